//! Runs gossfile resources against the system and produces results.
