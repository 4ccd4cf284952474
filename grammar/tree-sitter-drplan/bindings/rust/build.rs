//! Compile the generated parser (`src/parser.c`) into the crate.

fn main() {
    let src = std::path::Path::new("src");
    cc::Build::new()
        .std("c11")
        .include(src)
        .file(src.join("parser.c"))
        .warnings(false)
        .compile("tree-sitter-drplan");
    println!("cargo:rerun-if-changed=src/parser.c");
}
