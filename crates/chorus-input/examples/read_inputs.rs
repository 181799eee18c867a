//! Reads inputs as `chorus` does and drops the documents: the cost of reading alone.
//!
//!     cargo run --release -p chorus-input --example read_inputs -- FILE...
//!
//! Prints documents, problems, text bytes and the wall time of the read.

fn main() {
    let inputs: Vec<std::path::PathBuf> = std::env::args_os().skip(1).map(Into::into).collect();
    let start = std::time::Instant::now();
    let mut problems = 0usize;
    let summary =
        chorus_input::read_inputs(&inputs, &chorus_input::ReadOptions::default(), drop, |_| {
            problems += 1
        })
        .expect("valid options");
    println!(
        "{} documents, {problems} problems, {} text bytes, {:.2} s",
        summary.documents,
        summary.bytes,
        start.elapsed().as_secs_f64()
    );
}
