//! Property tests of the core against simple reference models.

mod props;
mod tidy;
