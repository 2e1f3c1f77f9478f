pub use media_core;
