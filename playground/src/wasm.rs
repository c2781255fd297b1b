//! The WebAssembly interface: plain C-ABI exports over the instance's memory, JSON strings in
//! and out (no bindgen). One instance is one cluster.
//!
//! ```text
//! pg_alloc(len) -> ptr          bytes for a request, written by the caller
//! pg_call(ptr, len) -> rlen     run the request (the caller frees it), answer rlen bytes
//! pg_result_ptr() -> ptr        where the answer is (valid until the next pg_call)
//! pg_free(ptr, len)             free what pg_alloc returned
//! ```

use crate::Playground;
use std::cell::RefCell;

thread_local! {
    static PLAYGROUND: RefCell<Option<Playground>> = const { RefCell::new(None) };
    static RESULT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Allocate `len` bytes in the instance's memory.
#[unsafe(no_mangle)]
pub extern "C" fn pg_alloc(len: u32) -> *mut u8 {
    let b: Box<[u8]> = vec![0u8; len as usize].into_boxed_slice();
    Box::into_raw(b) as *mut u8
}

/// Free what [`pg_alloc`] returned.
///
/// # Safety
/// `ptr` and `len` must come from one [`pg_alloc`] call, freed once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pg_free(ptr: *mut u8, len: u32) {
    if ptr.is_null() {
        return;
    }
    // SAFETY: the caller passes back a pointer and length `pg_alloc` made from a boxed slice.
    drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, len as usize)) });
}

/// Run the request at `ptr` (`len` bytes of UTF-8 JSON); returns the answer's length.
///
/// # Safety
/// `ptr` must point at `len` readable bytes (from [`pg_alloc`]).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pg_call(ptr: *const u8, len: u32) -> u32 {
    // SAFETY: the caller wrote `len` bytes at `ptr`.
    let bytes = unsafe { std::slice::from_raw_parts(ptr, len as usize) };
    let answer = match std::str::from_utf8(bytes) {
        Ok(request) => PLAYGROUND.with(|p| p.borrow_mut().get_or_insert_with(Playground::new).call(request)),
        Err(_) => r#"{"ok":false,"error":"error: the request is not UTF-8"}"#.to_string(),
    };
    RESULT.with(|r| {
        let mut r = r.borrow_mut();
        *r = answer.into_bytes();
        r.len() as u32
    })
}

/// Where the last answer is.
#[unsafe(no_mangle)]
pub extern "C" fn pg_result_ptr() -> *const u8 {
    RESULT.with(|r| r.borrow().as_ptr())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_through_the_exports_answers_json() {
        let req = br#"{"op":"advance","seconds":1}"#;
        let p = pg_alloc(req.len() as u32);
        unsafe {
            std::ptr::copy_nonoverlapping(req.as_ptr(), p, req.len());
            let n = pg_call(p, req.len() as u32);
            pg_free(p, req.len() as u32);
            let answer = std::str::from_utf8(std::slice::from_raw_parts(pg_result_ptr(), n as usize)).unwrap().to_string();
            let v: serde_json::Value = serde_json::from_str(&answer).unwrap();
            assert_eq!(v["ok"], true, "{answer}");
            assert_eq!(v["time"], 1.0);
        }
    }
}
