//! How many items a page of a connection holds.

use crate::error::{ApiError, ApiResult};

/// The page size a connection uses: `first` if given, within 0..=`maximum`.
pub fn page_size(first: Option<i32>, maximum: usize) -> ApiResult<u64> {
    match first {
        None => Ok(20.min(maximum) as u64),
        Some(first) if first >= 0 && first as usize <= maximum => Ok(first as u64),
        Some(_) => Err(ApiError::bad_input(
            "first",
            format!("must be between 0 and {maximum}"),
        )),
    }
}
