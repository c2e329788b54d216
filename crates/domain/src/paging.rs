//! Limit/offset paging as Spotify does it, validated once for every list endpoint.

/// A validated page request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PageError {
    #[error("`limit` must be between 1 and {max}")]
    Limit { max: i64 },
    #[error("`offset` must be between 0 and 100000")]
    Offset,
}

impl Page {
    /// Validates optional `limit`/`offset` with the endpoint's default and maximum limit.
    pub fn new(
        limit: Option<i64>,
        offset: Option<i64>,
        default: i64,
        max: i64,
    ) -> Result<Page, PageError> {
        let limit = limit.unwrap_or(default);
        let offset = offset.unwrap_or(0);
        if !(1..=max).contains(&limit) {
            return Err(PageError::Limit { max });
        }
        if !(0..=100_000).contains(&offset) {
            return Err(PageError::Offset);
        }
        Ok(Page { limit, offset })
    }

    /// The offset of the next page, if there are items beyond this one.
    pub fn next(&self, total: i64) -> Option<i64> {
        (self.offset + self.limit < total).then_some(self.offset + self.limit)
    }

    /// The offset of the previous page, if this one does not start at zero.
    pub fn previous(&self) -> Option<i64> {
        (self.offset > 0).then(|| (self.offset - self.limit).max(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_bounds() {
        assert_eq!(
            Page::new(None, None, 20, 50),
            Ok(Page {
                limit: 20,
                offset: 0
            })
        );
        assert_eq!(
            Page::new(Some(51), None, 20, 50),
            Err(PageError::Limit { max: 50 })
        );
        assert_eq!(
            Page::new(Some(0), None, 20, 50),
            Err(PageError::Limit { max: 50 })
        );
        assert_eq!(Page::new(None, Some(-1), 20, 50), Err(PageError::Offset));
    }

    #[test]
    fn neighbours() {
        let p = Page {
            limit: 10,
            offset: 5,
        };
        assert_eq!(p.next(16), Some(15));
        assert_eq!(p.next(15), None);
        assert_eq!(p.previous(), Some(0));
        assert_eq!(
            Page {
                limit: 10,
                offset: 0
            }
            .previous(),
            None
        );
    }
}
