//! The page's panels, one small function component each, in the order the page shows
//! them. Each takes what it draws as props and reports what the user does through
//! `on_<event>` callbacks; none of them holds data-set state of its own (sorting and
//! filtering of a table are view state and stay inside it).

pub mod download_button;
pub mod drop_zone;
pub mod error_banner;
pub mod findings;
pub mod geo_footer;
pub mod histogram;
pub mod known_networks;
pub mod printable;
pub mod progress_bar;
pub mod range_select;
pub mod ranking;
pub mod sources_table;
pub mod sql_panel;
pub mod summary;
pub mod timeline;
pub mod verdict;
