use std::path::PathBuf;
fn main() {
    let root = PathBuf::from(std::env::args().nth(1).expect("corpus dir"));
    let paths: Vec<PathBuf> = std::env::args().skip(2).map(PathBuf::from).collect();
    let mut files = vec![];
    let mut stack = vec![root];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() { stack.push(p) } else if p.extension().is_some_and(|e| e == "edl") { files.push(p) }
        }
    }
    files.sort();
    let opts = secgear_edl::Options { search_paths: paths, defines: vec![] };
    let mut bad = 0;
    for f in &files {
        let c = secgear_edl::compile_file(f, &opts).unwrap();
        if c.has_errors() { bad += 1; println!("=== {}\n{}", f.display(), c.render_diagnostics()); }
    }
    println!("{} files, {} with errors", files.len(), bad);
}
