//! Renders a report without the CLI: `cargo run -p perflab-report --example render --
//! RESULTS.json [BASELINE.json] OUT.html`.

use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (results, baseline, out) = match args.as_slice() {
        [r, o] => (r, None, o),
        [r, b, o] => (r, Some(b), o),
        _ => {
            eprintln!("usage: render RESULTS.json [BASELINE.json] OUT.html");
            std::process::exit(2);
        }
    };
    if let Err(e) =
        perflab_report::write_report(Path::new(results), baseline.map(Path::new), Path::new(out))
    {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
}
