//! Writing vectors back to YAML (`hgframe diff` writes the mismatches it
//! shrinks this way): every reactor vector of the suite, written from its
//! steps and the reference's outcomes, loads into the same steps and passes
//! on the reference.

use std::path::PathBuf;

use hgframe::conformance::vectors::spec::Target;
use hgframe::conformance::vectors::write::vector_file;
use hgframe::conformance::vectors::{first_failure, load, run_reference};

#[test]
fn every_reactor_vector_survives_writing() {
    let suite = load::load_paths(&[PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("vectors")])
        .expect("the suite loads");
    let mut written = 0;
    for v in suite.iter().filter(|v| v.target != Target::Codec) {
        let outcomes: Vec<_> = run_reference(v).into_iter().map(|r| r.actual).collect();
        let text = vector_file(
            v.protocol,
            &v.id,
            &v.description,
            v.tags.clone(),
            &v.target,
            &v.steps,
            &outcomes,
        )
        .unwrap_or_else(|e| panic!("{}: {e}", v.id));
        let back =
            load::load_str(&PathBuf::from(format!("{}.yaml", v.id)), &text).unwrap_or_else(|e| {
                panic!("{}: the written vector does not load: {e:?}\n{text}", v.id)
            });
        let [w] = back.as_slice() else {
            panic!("{}: one vector written, {} loaded", v.id, back.len());
        };
        assert_eq!(w.target, v.target, "{}", v.id);
        assert_eq!(w.steps.len(), v.steps.len(), "{}", v.id);
        for (i, (a, b)) in w.steps.iter().zip(&v.steps).enumerate() {
            assert_eq!(
                format!("{:?} {:?} {:?}", a.on, a.op, a.pull),
                format!("{:?} {:?} {:?}", b.on, b.op, b.pull),
                "{} step {i}",
                v.id
            );
            assert!(
                a.expect.admits(&outcomes[i]),
                "{} step {i}: the written expectation does not admit the outcome\n{text}",
                v.id
            );
        }
        assert!(first_failure(&run_reference(w)).is_none(), "{}", v.id);
        written += 1;
    }
    assert!(written > 100, "only {written} reactor vectors");
}
