//! Reads the live system state that gossfile resources describe.
