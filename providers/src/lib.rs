//! paddlers-providers: the Rust replacement for PyDataProvider2.
