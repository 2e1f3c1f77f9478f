//! Workspace root: holds the end-to-end tests and examples.
