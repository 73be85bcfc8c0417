//! Reading numbers as JSON has them. JSON (and JSON Schema) does not tell `4` from `4.0`: both
//! are the integer four. serde reads `4.0` into an integer field as an error, so integer fields
//! that clients send use these, which take any JSON number with no fraction, in range.

use serde::{Deserialize, Deserializer};

fn whole<'de, D: Deserializer<'de>>(d: D) -> Result<i128, D::Error> {
    let n = serde_json::Number::deserialize(d)?;
    if let Some(i) = n.as_i64() {
        return Ok(i128::from(i));
    }
    if let Some(u) = n.as_u64() {
        return Ok(i128::from(u));
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 1e30 => Ok(f as i128),
        _ => Err(serde::de::Error::custom(format!("expected a whole number, found {n}"))),
    }
}

fn in_range<T: TryFrom<i128>, E: serde::de::Error>(n: i128) -> Result<T, E> {
    T::try_from(n).map_err(|_| E::custom(format!("{n} is out of range")))
}

/// An integer (`u8`, `u64`, …) from any whole JSON number, in the type's range.
pub fn int<'de, D: Deserializer<'de>, T: TryFrom<i128>>(d: D) -> Result<T, D::Error> {
    in_range(whole(d)?)
}

/// An optional integer (`u8`, `u32`, …) from any whole JSON number, in the type's range.
pub fn option<'de, D: Deserializer<'de>, T: TryFrom<i128>>(d: D) -> Result<Option<T>, D::Error> {
    #[derive(Deserialize)]
    struct Whole(#[serde(deserialize_with = "whole")] i128);
    match Option::<Whole>::deserialize(d)? {
        None => Ok(None),
        Some(Whole(n)) => in_range(n).map(Some),
    }
}

/// `u32`s from whole JSON numbers.
pub fn vec_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u32>, D::Error> {
    #[derive(Deserialize)]
    struct Whole(#[serde(deserialize_with = "whole")] i128);
    Vec::<Whole>::deserialize(d)?.into_iter().map(|Whole(n)| in_range(n)).collect()
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    struct Body {
        #[serde(deserialize_with = "super::int")]
        size: u64,
        #[serde(default, deserialize_with = "super::option")]
        year: Option<u8>,
        #[serde(default, deserialize_with = "super::vec_u32")]
        leads: Vec<u32>,
    }

    #[test]
    fn whole_numbers_in_any_json_form() {
        let b: Body = serde_json::from_str(r#"{"size": 4963745.0, "year": 3.0, "leads": [7, 1.0]}"#).unwrap();
        assert_eq!((b.size, b.year, b.leads), (4963745, Some(3), vec![7, 1]));
        let b: Body = serde_json::from_str(r#"{"size": 1e3, "year": null}"#).unwrap();
        assert_eq!((b.size, b.year), (1000, None));
        for bad in [r#"{"size": 1.5}"#, r#"{"size": -1}"#, r#"{"size": 1, "year": 300}"#, r#"{"size": "1"}"#] {
            assert!(serde_json::from_str::<Body>(bad).is_err(), "{bad}");
        }
    }
}
