//! Placeholder: see src/lib.rs for what this module owns.
