//! Gossfile model and loader: templates, vars, includes, positions.
