//! The book in a real browser: a small DevTools-protocol driver for headless Chromium
//! ([`cdp`]) and the tests of the chapters' playground panel ([`playground`]). Part of the
//! `book_site` test binary, so they run on the site it builds once.

pub mod cdp;
mod playground;
