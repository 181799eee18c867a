use chorus_core::align::{AlignParams, align};
use chorus_core::tokenize::Tokens;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let a = std::fs::read_to_string(&args[1]).unwrap();
    let b = std::fs::read_to_string(&args[2]).unwrap();
    let ta = Tokens::new(&a);
    let tb = Tokens::new(&b);
    let p = AlignParams::default();
    for al in align(&ta, &tb, &p) {
        let s = |t: &Tokens, r: (u32, u32)| {
            (r.0..r.1)
                .map(|i| t.text(i as usize))
                .collect::<Vec<_>>()
                .join(" ")
        };
        println!(
            "A {:?} B {:?} m={} sim={:.2}\n  A: {}\n  B: {}",
            al.a,
            al.b,
            al.matched,
            al.similarity,
            s(&ta, al.a),
            s(&tb, al.b)
        );
    }
}
