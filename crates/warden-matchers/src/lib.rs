//! goss's matcher language: compile expectations, match actual values, explain failures.
