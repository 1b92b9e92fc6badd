//! Ragged batches: distributions of different lengths, as segments of one flat array cut by
//! offsets (the CSR / Arrow list layout), or as a list of separate 1-D arrays.
//!
//! A segment is a distribution like any other: each one is reduced by the same job as a 1-D
//! array of its length (`reduce` with no batch axes), so a segment's value has the same bits as
//! the measure of that segment alone, on any number of threads. Segments of very different
//! lengths are shared among threads by cost ([`parallel::schedule_uneven`]); a long segment is
//! itself split across the pool along its fixed leaf tree.

use super::*;

/// The offsets of a flat ragged array: segment `i` is `values[offsets[i]..offsets[i + 1]]`.
/// Arrow's `List` arrays have int32 offsets and `LargeList` int64 ones; a sliced Arrow array's
/// offsets start above 0.
#[derive(Clone, Copy, Debug)]
pub enum Offsets<'a> {
    I32(&'a [i32]),
    I64(&'a [i64]),
}

impl Offsets<'_> {
    pub fn len(&self) -> usize {
        match self {
            Offsets::I32(o) => o.len(),
            Offsets::I64(o) => o.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `offsets[i]` (as i64; only meaningful once [`Offsets::check`] passed).
    #[inline]
    pub fn get(&self, i: usize) -> i64 {
        match self {
            Offsets::I32(o) => o[i] as i64,
            Offsets::I64(o) => o[i],
        }
    }

    /// Checks that the offsets cut `values_len` entries into segments: at least one offset,
    /// none negative, none decreasing, the last at most `values_len`. `name` names the argument
    /// in messages, which give the offending position.
    pub fn check(&self, values_len: usize, name: &str) -> Result<(), KernelError> {
        if self.is_empty() {
            return Err(KernelError::Layout(format!(
                "{name} is empty; n segments need n + 1 offsets (at least [0])"
            )));
        }
        let first = self.get(0);
        if first < 0 {
            return Err(KernelError::Layout(format!(
                "{name}[0] = {first} is negative"
            )));
        }
        for i in 1..self.len() {
            let (a, b) = (self.get(i - 1), self.get(i));
            if b < a {
                return Err(KernelError::Layout(format!(
                    "{name}[{i}] = {b} is below {name}[{}] = {a}; offsets must not decrease",
                    i - 1
                )));
            }
        }
        let last = self.get(self.len() - 1);
        if last as u64 > values_len as u64 {
            return Err(KernelError::Layout(format!(
                "{name}[{}] = {last} is beyond the end of the {values_len} values",
                self.len() - 1
            )));
        }
        Ok(())
    }
}

/// The distributions of one argument of a ragged measure.
pub enum Segments<'a> {
    /// Segments of one 1-D input cut by offsets (checked by [`Segments::flat`]).
    Flat {
        values: &'a Input<'a>,
        offsets: Offsets<'a>,
    },
    /// Separate 1-D inputs, one per segment.
    List(&'a [Input<'a>]),
}

impl<'a> Segments<'a> {
    /// Segments of the 1-D `values` cut by `offsets` (`name` names the offsets in errors).
    pub fn flat(
        values: &'a Input<'a>,
        offsets: Offsets<'a>,
        name: &str,
    ) -> Result<Self, KernelError> {
        if !values.batch_shape().is_empty() {
            return Err(KernelError::Layout(
                "segments are cut from one 1-D array".into(),
            ));
        }
        offsets.check(values.reduce_len(), name)?;
        Ok(Segments::Flat { values, offsets })
    }

    /// The number of segments.
    pub fn count(&self) -> usize {
        match self {
            Segments::Flat { offsets, .. } => offsets.len() - 1,
            Segments::List(list) => list.len(),
        }
    }

    /// Where segment `i` starts in the flat values (0 for a list).
    pub fn start(&self, i: usize) -> usize {
        match self {
            Segments::Flat { offsets, .. } => offsets.get(i) as usize,
            Segments::List(_) => 0,
        }
    }

    /// The number of entries of segment `i`.
    pub fn len_of(&self, i: usize) -> usize {
        match self {
            Segments::Flat { offsets, .. } => (offsets.get(i + 1) - offsets.get(i)) as usize,
            Segments::List(list) => list[i].reduce_len(),
        }
    }

    fn get(&self, i: usize) -> Result<Input<'a>, KernelError> {
        match self {
            Segments::Flat { values, offsets } => {
                let start = offsets.get(i) as usize;
                values.segment(start, offsets.get(i + 1) as usize - start)
            }
            Segments::List(list) => list[i].segment(0, list[i].reduce_len()),
        }
    }

    fn is_f32(&self) -> bool {
        match self {
            Segments::Flat { values, .. } => values.is_f32(),
            Segments::List(list) => list.iter().all(Input::is_f32),
        }
    }
}

/// Computes `measure` for every segment of `p` (and of `q`, segment by segment), writing one
/// value per segment to `out`: each equal, to the bit, to [`reduce`] over that segment alone.
///
/// The binary measures need `q` with as many segments as `p`, of the same lengths (an error
/// names the first segment whose lengths differ). Data errors are those of `reduce` with
/// `distribution` the segment and `position` the entry within it; an empty segment has zero
/// mass (an error under `normalize`, 0 otherwise).
pub fn reduce_segments(
    measure: Measure,
    p: &Segments<'_>,
    q: Option<&Segments<'_>>,
    params: &Params,
    options: &Options,
    out: &mut [f64],
) -> Result<(), KernelError> {
    let count = p.count();
    if out.len() != count {
        return Err(KernelError::Layout(format!(
            "out has {} slots for {count} segments",
            out.len()
        )));
    }
    check_base(params.base)?;
    let q = match (measure.is_binary(), q) {
        (true, Some(q)) => Some(q),
        (true, None) => {
            return Err(KernelError::Layout(format!(
                "{measure:?} needs a second distribution q"
            )))
        }
        (false, _) => None,
    };
    if let Some(q) = q {
        if q.count() != count {
            return Err(KernelError::Layout(format!(
                "p has {count} segments and q has {}",
                q.count()
            )));
        }
        if let Some(i) = (0..count).find(|&i| p.len_of(i) != q.len_of(i)) {
            return Err(KernelError::Layout(format!(
                "segment {i} has {} entries in p and {} in q",
                p.len_of(i),
                q.len_of(i)
            )));
        }
    }
    // As `reduce`: float32 lanes only for the single-pass measures of float32 p (and q).
    let f32_lanes = measure.is_shannon() && p.is_f32() && q.is_none_or(Segments::is_f32);
    let one = |i: usize, split: bool| -> Result<f64, KernelError> {
        let p_i = p.get(i)?;
        let q_i = q.map(|q| q.get(i)).transpose()?;
        let job = job(
            measure,
            measure.is_binary(),
            &p_i,
            q_i.as_ref(),
            params,
            options,
            1,
        )?;
        let value = if f32_lanes {
            job.distribution::<f32>(0, split)
        } else {
            job.distribution::<f64>(0, split)
        };
        value.map_err(|e| in_segment(e, i))
    };
    let task = |first: usize, n: usize, out: &mut [f64], split: bool| {
        for (k, slot) in out.iter_mut().enumerate().take(n) {
            match one(first + k, split) {
                Ok(v) => *slot = v,
                Err(e) => return Some(e),
            }
        }
        None
    };
    // A segment's cost: its entries (twice for two arguments), plus a fixed cost per segment
    // (a job and a first look).
    const PER_SEGMENT: usize = 64;
    let width = if q.is_some() { 2 } else { 1 };
    let report = match p {
        Segments::Flat { offsets, .. } => {
            let prefix =
                |i: usize| (offsets.get(i) - offsets.get(0)) as usize * width + i * PER_SEGMENT;
            parallel::schedule_uneven(count, &prefix, options.parallel, out, &task)?
        }
        Segments::List(list) => {
            let mut sums = Vec::with_capacity(count + 1);
            sums.push(0usize);
            for input in list.iter() {
                sums.push(sums[sums.len() - 1] + input.reduce_len() * width + PER_SEGMENT);
            }
            let prefix = |i: usize| sums[i];
            parallel::schedule_uneven(count, &prefix, options.parallel, out, &task)?
        }
    };
    report.map_or(Ok(()), Err)
}

/// A job's error for its only distribution, moved to segment `i`.
fn in_segment(error: KernelError, i: usize) -> KernelError {
    use KernelError::*;
    match error {
        Negative {
            arg,
            position,
            value,
            ..
        } => Negative {
            arg,
            distribution: i,
            position,
            value,
        },
        Infinite {
            arg,
            position,
            value,
            ..
        } => Infinite {
            arg,
            distribution: i,
            position,
            value,
        },
        Nan { arg, position, .. } => Nan {
            arg,
            distribution: i,
            position,
        },
        ZeroMass { arg, .. } => ZeroMass {
            arg,
            distribution: i,
        },
        other => other,
    }
}
