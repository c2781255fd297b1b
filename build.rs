//! Turns every ```rust block of the book's chapters into a test (skeptic).
fn main() {
    // Without this, a chapter added later would silently go untested.
    println!("cargo:rerun-if-changed=src");
    let chapters = skeptic::markdown_files_of_directory("src/");
    skeptic::generate_doc_tests(&chapters);
}
