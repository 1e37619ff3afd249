//! Go text/template rendering with goss's function set.
