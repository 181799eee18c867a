fn main() {
    let path = std::env::args().nth(1).unwrap();
    let t = std::time::Instant::now();
    let mut n = 0;
    let mut problems = 0;
    let s = chorus_input::read_inputs(&[path], &chorus_input::ReadOptions::default(), |_| n += 1, |p| { problems += 1; eprintln!("{p}") }).unwrap();
    println!("{n} docs, {problems} problems, {s:?}, {:?}", t.elapsed());
}
