//! The book in a real browser: a small DevTools-protocol driver for headless Chromium
//! ([`cdp`]), the tests of the chapters' playground panel ([`playground`]) and the axe-core
//! accessibility check of every page ([`accessibility`]) and the keyboard walk through the
//! pages ([`keyboard`]). Part of the `book_site` test
//! binary, so they run on the site it builds once.

mod accessibility;
pub mod cdp;
mod keyboard;
mod playground;
