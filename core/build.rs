//! Writes the EFF long word list (7,776 words, from the `diceware_wordlists` build dependency)
//! into `OUT_DIR` as one newline-separated string. The core embeds that string with
//! `include_str!`: a single blob costs about 60 KB in the shipping library, where a static
//! array of 7,776 string slices would add a relocation per word (about 300 KB more).

fn main() {
    let out_dir = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR for build scripts");
    let path = std::path::Path::new(&out_dir).join("eff_long_wordlist.txt");
    let joined = diceware_wordlists::EFF_LONG_WORDLIST.join("\n");
    std::fs::write(&path, joined).expect("the build directory is writable");
    println!("cargo::rerun-if-changed=build.rs");
}
