//! The front end on hostile input: random bytes, random token soup and
//! mutated corpus files must give diagnostics, never a panic or a hang.

use proptest::prelude::*;
use secgear_edl::{GenOptions, Options, Side, compile_str, edl_files_under};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// Runs the whole pipeline; a hang is reported as a failure, not waited out.
/// A program the checker accepts must always generate.
fn survive(text: String) {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let c = compile_str(Path::new("fuzz.edl"), text, &Options::default());
        let _ = c.render_diagnostics();
        if !c.has_errors() {
            for side in [Side::Host, Side::Enclave] {
                if let Err(e) = c.generate(side, &GenOptions::default()) {
                    panic!("a checked program failed to generate: {e}");
                }
            }
        }
        let _ = tx.send(());
    });
    match rx.recv_timeout(Duration::from_secs(20)) {
        Ok(()) => {}
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("the front end hung"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("the front end panicked"),
    }
}

fn corpus_texts() -> Vec<String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/edl-corpus");
    edl_files_under(&root)
        .expect("corpus")
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("read"))
        .collect()
}

const TOKENS: &[&str] = &[
    "enclave",
    "{",
    "}",
    ";",
    "trusted",
    "untrusted",
    "public",
    "void",
    "int",
    "char",
    "*",
    "(",
    ")",
    "[",
    "]",
    "in",
    "out",
    ",",
    "size",
    "=",
    "count",
    "string",
    "struct",
    "union",
    "enum",
    "from",
    "import",
    "\"a.edl\"",
    "include",
    "allow",
    "propagate_errno",
    "transition_using_threads",
    "#define X 1\n",
    "#if X\n",
    "#else\n",
    "#endif\n",
    "#ifdef X\n",
    "0x10",
    "42",
    "x",
    "len",
    "user_check",
    "isptr",
    "isary",
    "readonly",
    "const",
    "unsigned",
    "long",
    "/*",
    "*/",
    "//",
    "\n",
    "-",
    "$",
    "size_t",
    "wchar_t",
    "wstring",
    "[in, size=len]",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        survive(String::from_utf8_lossy(&bytes).into_owned());
    }

    #[test]
    fn token_soup(picks in proptest::collection::vec(0..TOKENS.len(), 0..400)) {
        let text: Vec<&str> = picks.iter().map(|i| TOKENS[*i]).collect();
        survive(text.join(" "));
    }

    #[test]
    fn mutated_corpus_files(file in any::<prop::sample::Index>(),
                            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..8)) {
        let texts = corpus_texts();
        let mut bytes = texts[file.index(texts.len())].clone().into_bytes();
        for (at, byte, op) in edits {
            if bytes.is_empty() { break; }
            let i = at.index(bytes.len());
            match op {
                0 => bytes[i] = byte,
                1 => { bytes.remove(i); }
                2 => bytes.insert(i, byte),
                _ => bytes.truncate(i),
            }
        }
        survive(String::from_utf8_lossy(&bytes).into_owned());
    }
}

#[test]
fn every_truncation_of_a_rich_file() {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/edl-corpus/intel-sgx/SampleCode/SampleEnclave/Enclave/Edger8rSyntax/Pointers.edl"),
    )
    .expect("read");
    let mut cut = text.len();
    while cut > 0 {
        if text.is_char_boundary(cut) {
            survive(text[..cut].to_string());
        }
        cut = cut.saturating_sub(7);
    }
}
