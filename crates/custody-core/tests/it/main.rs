//! Property tests of the core against simple reference models.

mod coc;
mod props;
mod stacking;
mod tidy;
