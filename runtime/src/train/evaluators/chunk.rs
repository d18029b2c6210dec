//! `chunk` (ChunkEvaluator.cpp): chunk detection F1 over tag sequences.
//!
//! A label is `type * tag_types + tag`; `type == num_chunk_types` is the "other" type. The
//! schemes' tags: plain (one tag: a chunk is a run of one type), IOB (B=0, I=1), IOE (I=0,
//! E=1), IOBES (B=0, I=1, E=2, S=3). A chunk is right when its begin, end and type all match
//! a labelled chunk; chunks of excluded types are not counted.

use std::fmt::Write as _;

use super::{Base, EvalArg, Evaluator};
use crate::train::format::g;

pub struct Chunk {
    pub base: Base,
    pub scheme: Scheme,
    pub num_chunk_types: i64,
    pub excluded: Vec<i64>,
    pub label_chunks: u64,
    pub output_chunks: u64,
    pub correct: u64,
}

#[derive(Clone, Copy, Debug)]
pub struct Scheme {
    tag_types: i64,
    begin: i64,
    inside: i64,
    end: i64,
    single: i64,
}

impl Scheme {
    pub fn from_name(name: &str) -> Option<Scheme> {
        let s = |tag_types, begin, inside, end, single| Scheme {
            tag_types,
            begin,
            inside,
            end,
            single,
        };
        Some(match name {
            "IOB" => s(2, 0, 1, -1, -1),
            "IOE" => s(2, -1, 0, 1, -1),
            "IOBES" => s(4, 0, 1, 2, 3),
            "plain" => s(1, -1, -1, -1, -1),
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Segment {
    pub begin: usize,
    pub end: usize,
    pub kind: i64,
}

impl Chunk {
    fn is_end(&self, prev_tag: i64, prev_type: i64, tag: i64, ty: i64) -> bool {
        let (s, other) = (self.scheme, self.num_chunk_types);
        if prev_type == other {
            return false;
        }
        if ty == other || ty != prev_type {
            return true;
        }
        if prev_tag == s.begin || prev_tag == s.inside {
            return tag == s.begin || tag == s.single;
        }
        prev_tag == s.end || prev_tag == s.single
    }

    fn is_begin(&self, prev_tag: i64, prev_type: i64, tag: i64, ty: i64) -> bool {
        let (s, other) = (self.scheme, self.num_chunk_types);
        if prev_type == other {
            return ty != other;
        }
        if ty == other {
            return false;
        }
        if ty != prev_type || tag == s.begin || tag == s.single {
            return true;
        }
        if tag == s.inside || tag == s.end {
            return prev_tag == s.end || prev_tag == s.single;
        }
        false
    }

    /// ChunkEvaluator::getSegments.
    pub fn segments(&self, labels: &[i64]) -> Vec<Segment> {
        let tags = self.scheme.tag_types;
        let mut out = Vec::new();
        let (mut start, mut in_chunk) = (0usize, false);
        let (mut tag, mut ty) = (-1i64, self.num_chunk_types);
        for (i, &l) in labels.iter().enumerate() {
            let (prev_tag, prev_type) = (tag, ty);
            tag = l % tags;
            ty = l / tags;
            if in_chunk && self.is_end(prev_tag, prev_type, tag, ty) {
                out.push(Segment {
                    begin: start,
                    end: i - 1,
                    kind: prev_type,
                });
                in_chunk = false;
            }
            if self.is_begin(prev_tag, prev_type, tag, ty) {
                start = i;
                in_chunk = true;
            }
        }
        if in_chunk {
            out.push(Segment {
                begin: start,
                end: labels.len() - 1,
                kind: ty,
            });
        }
        out
    }

    fn counted(&self, s: &Segment) -> bool {
        !self.excluded.contains(&s.kind)
    }

    fn eval_one(&mut self, output: &[i64], label: &[i64]) {
        let out = self.segments(output);
        let lab = self.segments(label);
        let (mut i, mut j) = (0, 0);
        while i < out.len() && j < lab.len() {
            if out[i] == lab[j] && self.counted(&out[i]) {
                self.correct += 1;
            }
            if out[i].end < lab[j].end {
                i += 1;
            } else if out[i].end > lab[j].end {
                j += 1;
            } else {
                i += 1;
                j += 1;
            }
        }
        self.label_chunks += lab.iter().filter(|s| self.counted(s)).count() as u64;
        self.output_chunks += out.iter().filter(|s| self.counted(s)).count() as u64;
    }

    fn f1(&self) -> f64 {
        let p = if self.output_chunks == 0 {
            0.0
        } else {
            self.correct as f64 / self.output_chunks as f64
        };
        let r = if self.label_chunks == 0 {
            0.0
        } else {
            self.correct as f64 / self.label_chunks as f64
        };
        if self.correct == 0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

impl Evaluator for Chunk {
    fn name(&self) -> &str {
        &self.base.name
    }
    fn input_layers(&self) -> &[String] {
        &self.base.inputs
    }
    fn start(&mut self) {
        self.base.start();
        self.label_chunks = 0;
        self.output_chunks = 0;
        self.correct = 0;
    }
    fn eval(&mut self, args: &[EvalArg]) -> Result<(), String> {
        let output = args[0]
            .ids
            .as_deref()
            .ok_or("the output input has no integer ids (use crf_decoding or maxid)")?;
        let label = args[1]
            .ids
            .as_deref()
            .ok_or("the label input has no integer ids")?;
        if output.len() != label.len() {
            return Err(format!(
                "{} output ids for {} labels",
                output.len(),
                label.len()
            ));
        }
        let starts = args[1]
            .seq_starts
            .as_deref()
            .ok_or("the label input is not a sequence")?;
        let top = self.num_chunk_types * self.scheme.tag_types;
        for (what, ids) in [("output", output), ("label", label)] {
            if let Some(bad) = ids.iter().find(|&&l| l < 0 || l > top) {
                return Err(format!("{what} id {bad} is outside [0, {top}]"));
            }
        }
        let bad_starts = starts.first() != Some(&0)
            || starts.last() != Some(&(label.len() as i64))
            || starts.windows(2).any(|w| w[0] > w[1]);
        if bad_starts {
            return Err(format!(
                "the label's sequence start positions {starts:?} do not cover its {} ids",
                label.len()
            ));
        }
        for w in starts.windows(2) {
            let (lo, hi) = (w[0] as usize, w[1] as usize);
            self.eval_one(&output[lo..hi], &label[lo..hi]);
        }
        self.base.count(args, usize::MAX)
    }
    fn print(&self, out: &mut String) {
        let _ = write!(
            out,
            "{}={} true_chunks={} result_chunks={} correct_chunks={}",
            self.base.name,
            g(self.f1()),
            self.label_chunks,
            self.output_chunks,
            self.correct
        );
    }
    fn value(&self) -> Option<f64> {
        Some(self.f1())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{cfg, ids, run};
    use super::*;

    fn seq(v: &[i64], starts: &[i64]) -> EvalArg {
        let mut a = ids(v);
        a.seq_starts = Some(starts.to_vec());
        a
    }

    fn chunker(scheme: &str, types: i64) -> Chunk {
        Chunk {
            base: Base {
                name: "c".into(),
                inputs: vec![],
                num_samples: 0.0,
                total: 0.0,
            },
            scheme: Scheme::from_name(scheme).unwrap(),
            num_chunk_types: types,
            excluded: vec![],
            label_chunks: 0,
            output_chunks: 0,
            correct: 0,
        }
    }

    fn spans(c: &Chunk, labels: &[i64]) -> Vec<(usize, usize, i64)> {
        c.segments(labels)
            .iter()
            .map(|s| (s.begin, s.end, s.kind))
            .collect()
    }

    /// Segments worked out by hand from getSegments / isChunkBegin / isChunkEnd.
    #[test]
    fn segments_of_each_scheme() {
        // IOB, 2 types: B-0=0 I-0=1 B-1=2 I-1=3 O=4.
        let iob = chunker("IOB", 2);
        assert_eq!(
            spans(&iob, &[0, 1, 4, 2, 3, 3, 4, 0]),
            vec![(0, 1, 0), (3, 5, 1), (7, 7, 0)]
        );
        // A B right after an I of the same type starts a new chunk.
        assert_eq!(spans(&iob, &[0, 1, 0, 1]), vec![(0, 1, 0), (2, 3, 0)]);
        // IOE: I-0=0 E-0=1 I-1=2 E-1=3 O=4; an E after an E starts a new chunk.
        let ioe = chunker("IOE", 2);
        assert_eq!(
            spans(&ioe, &[0, 1, 1, 4, 2, 3]),
            vec![(0, 1, 0), (2, 2, 0), (4, 5, 1)]
        );
        // IOBES, 1 type: B=0 I=1 E=2 S=3 O=4.
        let iobes = chunker("IOBES", 1);
        assert_eq!(
            spans(&iobes, &[3, 0, 1, 2, 4, 3]),
            vec![(0, 0, 0), (1, 3, 0), (5, 5, 0)]
        );
        // plain, 2 types: a chunk is a run of one type, 2 is "other".
        let plain = chunker("plain", 2);
        assert_eq!(
            spans(&plain, &[0, 0, 1, 2, 1]),
            vec![(0, 1, 0), (2, 2, 1), (4, 4, 1)]
        );
    }

    fn iob_config(excluded: Vec<i32>) -> paddlers_graph::EvaluatorConfig {
        let mut c = cfg("chunk_f1", "chunk", &["out", "label"]);
        c.chunk_scheme = Some("IOB".into());
        c.num_chunk_types = Some(2);
        c.excluded_chunk_types = excluded;
        c
    }

    #[test]
    fn f1_over_sequences_and_batches_as_paddle_prints_it() {
        // Label chunks (0,1,t0) (3,5,t1) (7,7,t0); output chunks (0,1,t0) (3,4,t1) (7,7,t1).
        let label = [0, 1, 4, 2, 3, 3, 4, 0];
        let output = [0, 1, 4, 2, 3, 4, 4, 2];
        // Split in two sequences in one batch, then the whole again in a second batch.
        let b1 = vec![seq(&output, &[0, 3, 8]), seq(&label, &[0, 3, 8])];
        let b2 = vec![seq(&output, &[0, 8]), seq(&label, &[0, 8])];
        let (s, v) = run(iob_config(vec![]), &[b1, b2]);
        // 2 right of 6 found and 6 true: P = R = F1 = 1/3.
        assert_eq!(
            s,
            "chunk_f1=0.333333 true_chunks=6 result_chunks=6 correct_chunks=2 "
        );
        assert!((v.unwrap() - 1.0 / 3.0).abs() < 1e-12);
        // Type 1 excluded: 4 true, 2 found, 2 right: P = 1, R = 0.5.
        let b = vec![seq(&output, &[0, 8]), seq(&label, &[0, 8])];
        let (s, _) = run(iob_config(vec![1]), &[b.clone(), b]);
        assert_eq!(
            s,
            "chunk_f1=0.666667 true_chunks=4 result_chunks=2 correct_chunks=2 "
        );
    }

    #[test]
    fn bad_ids_and_missing_sequences_are_errors() {
        let mut e = super::super::Evaluators::from_configs(&[iob_config(vec![])]).unwrap();
        e.start();
        let b = [seq(&[0, 5], &[0, 2]), seq(&[0, 1], &[0, 2])];
        let err = e
            .eval(&|n| {
                Some(if n == "out" {
                    b[0].clone()
                } else {
                    b[1].clone()
                })
            })
            .unwrap_err();
        assert!(
            err.to_string().contains("output id 5 is outside [0, 4]"),
            "{err}"
        );
        let b = [ids(&[0, 1]), ids(&[0, 1])];
        let err = e
            .eval(&|n| {
                Some(if n == "out" {
                    b[0].clone()
                } else {
                    b[1].clone()
                })
            })
            .unwrap_err();
        assert!(err.to_string().contains("not a sequence"), "{err}");
    }
}
