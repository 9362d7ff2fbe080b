//! The arithmetic of a virtual table: which rows a scroll position shows, which page
//! of rows to ask the worker for, and how tall the spacers above and below the rows
//! drawn must be. Pure, so it is tested natively.
//!
//! Rows have one fixed height. A table of millions of rows would be taller than a
//! browser lets an element be (Chromium stops near 33 million pixels), so past
//! [`MAX_SCROLL_PX`] the scroll bar is scaled: a pixel of scrolling moves more than a
//! row's share, and the rows drawn are placed where the scroll position is.

/// Height of one row (CSS pixels; `styles/main.css` gives the rows this height).
pub const ROW_PX: f64 = 28.0;

/// The tallest scroll height used.
pub const MAX_SCROLL_PX: f64 = 8_000_000.0;

/// Rows asked for at a time (they cover the view and a margin on each side).
pub const PAGE_ROWS: u64 = 160;

/// Rows kept drawn above the first visible one.
const MARGIN_ROWS: u64 = 50;

/// Pages start on multiples of this (so small scrolls reuse the page).
const ALIGN_ROWS: u64 = 40;

/// Where the view is, for a table of `matching` rows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct View {
    /// Rows in the table.
    pub matching: u64,
    /// The scroll container's `scrollTop`.
    pub scroll_top: f64,
    /// Its height.
    pub viewport_px: f64,
}

impl View {
    /// How many table pixels one pixel of scrolling stands for (1 until the table is
    /// taller than [`MAX_SCROLL_PX`]).
    pub fn scale(&self) -> f64 {
        (self.matching as f64 * ROW_PX / MAX_SCROLL_PX).max(1.0)
    }

    /// The height of everything the scroll container scrolls over.
    pub fn scroll_height(&self) -> f64 {
        self.matching as f64 * ROW_PX / self.scale()
    }

    /// Index of the first row in view. Scaled, the scroll range maps onto the rows
    /// so that the bottom of the scroll bar shows the last rows.
    pub fn first_visible(&self) -> u64 {
        let top = self.scroll_top.max(0.0);
        let row = if self.scale() <= 1.0 {
            (top / ROW_PX).floor() as u64
        } else {
            let range = (self.scroll_height() - self.viewport_px).max(1.0);
            let rows = self.matching.saturating_sub(self.visible_rows()) as f64;
            (top / range * rows).floor() as u64
        };
        row.min(self.matching.saturating_sub(1))
    }

    /// Rows in view.
    pub fn visible_rows(&self) -> u64 {
        (self.viewport_px / ROW_PX).ceil() as u64 + 1
    }

    /// The page of rows to ask for: `(offset, limit)`.
    pub fn wanted(&self) -> (u64, u64) {
        let offset = self.first_visible().saturating_sub(MARGIN_ROWS) / ALIGN_ROWS * ALIGN_ROWS;
        (offset, PAGE_ROWS)
    }

    /// True when a page of `rows` rows from `offset` covers every row in view.
    pub fn covered_by(&self, offset: u64, rows: u64) -> bool {
        let first = self.first_visible();
        let last = (first + self.visible_rows()).min(self.matching);
        self.matching == 0 || (offset <= first && last <= offset + rows)
    }

    /// The heights of the spacers above and below a page of `rows` rows drawn from
    /// `offset`.
    pub fn spacers(&self, offset: u64, rows: u64) -> (f64, f64) {
        let drawn = rows as f64 * ROW_PX;
        let total = self.scroll_height();
        let top = if self.scale() <= 1.0 {
            offset as f64 * ROW_PX
        } else {
            // Scaled: the first visible row sits at the scroll position.
            let ahead = self.first_visible().saturating_sub(offset) as f64 * ROW_PX;
            (self.scroll_top - ahead).max(0.0)
        };
        let top = top.min((total - drawn).max(0.0));
        (top, (total - top - drawn).max(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_table_scrolls_row_for_pixel() {
        let view = View {
            matching: 1000,
            scroll_top: 28.0 * 300.0 + 5.0,
            viewport_px: 560.0,
        };
        assert_eq!(view.scale(), 1.0);
        assert_eq!(view.first_visible(), 300);
        assert_eq!(view.visible_rows(), 21);
        assert_eq!(view.wanted(), (240, PAGE_ROWS));
        assert!(view.covered_by(240, 160));
        assert!(!view.covered_by(280, 20));
        // Rows 240..400 drawn: 240 rows above, 600 below, every row in its place.
        assert_eq!(view.spacers(240, 160), (240.0 * 28.0, 600.0 * 28.0));
        // The top of a table, and an empty one.
        let top = View {
            scroll_top: 0.0,
            ..view
        };
        assert_eq!((top.first_visible(), top.wanted()), (0, (0, PAGE_ROWS)));
        let empty = View {
            matching: 0,
            ..view
        };
        assert!(empty.covered_by(0, 0));
        assert_eq!(empty.spacers(0, 0), (0.0, 0.0));
    }

    #[test]
    fn millions_of_rows_scale_the_scroll_bar_and_reach_the_last_row() {
        let matching = 2_520_652;
        let scale = matching as f64 * ROW_PX / MAX_SCROLL_PX;
        let bottom = View {
            matching,
            scroll_top: MAX_SCROLL_PX - 560.0,
            viewport_px: 560.0,
        };
        assert!((bottom.scale() - scale).abs() < 1e-9);
        assert!((bottom.scroll_height() - MAX_SCROLL_PX).abs() < 1e-6);
        // The view's last rows are the table's last rows.
        let first = bottom.first_visible();
        assert!(first + bottom.visible_rows() >= matching - 1, "{first}");
        let (offset, limit) = bottom.wanted();
        assert!(offset + limit >= matching);
        assert!(bottom.covered_by(offset, matching - offset));
        // The drawn rows sit at the scroll position, inside the scroll height.
        let rows = matching - offset;
        let (top, below) = bottom.spacers(offset, rows);
        assert!(top + rows as f64 * ROW_PX + below <= MAX_SCROLL_PX + 1e-6);
        // Halfway down the scroll range is the middle of the rows.
        let middle = View {
            scroll_top: (MAX_SCROLL_PX - 560.0) / 2.0,
            ..bottom
        };
        assert_eq!(
            middle.first_visible(),
            (matching - middle.visible_rows()) / 2
        );
    }
}
