//! The book's build tool: installs the pinned tools, builds both languages, indexes and serves them.
