//! The one JSON encoding of values, operations and outcomes: what the
//! driver protocol sends and receives (`docs/driver-protocol.md`) and what
//! `hgframe vectors export` writes (`docs/vectors.schema.json`).
//!
//! Bytes are lowercase hex strings, frames the hex of the whole frame, and
//! values (command names, arguments, messages) *typed JSON*, which keeps
//! byte strings and text strings apart without a CBOR library:
//!
//! ```
//! use hgframe::cbor::Value;
//! use hgframe::conformance::json::{value_from_json, value_to_json};
//! let value = Value::map([(Value::bytes("name"), Value::Text("é".into()))]);
//! let json = value_to_json(&value);
//! assert_eq!(json.to_string(), r#"{"map":[[{"bytes":"6e616d65"},{"text":"é"}]]}"#);
//! assert_eq!(value_from_json(&json, "args").unwrap(), value);
//! ```
//!
//! Every parser here takes untrusted input and says where it is wrong: the
//! path of the field (`outcome.frames[2]`) and what was expected.

use serde_json::{Map, Value as Json, json};

use crate::cbor::Value;
use crate::conformance::leaf::{Style, with_style};
use crate::conformance::vectors::model::{Op, OpInfo, Outcome, Shape};
use crate::conformance::vectors::spec::Expect;
use crate::frame::{Frame, ReadOptions, read_frame};

/// JSON that does not follow the encoding.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct JsonError {
    /// Where: the path of the field, such as `outcome.frames[2]`.
    pub path: String,
    /// What was expected.
    pub message: String,
}

pub(crate) fn wrong(path: &str, message: impl Into<String>) -> JsonError {
    JsonError {
        path: path.to_string(),
        message: message.into(),
    }
}

pub(crate) type Result<T, E = JsonError> = std::result::Result<T, E>;

/// The JSON type of a value, for messages.
fn kind(json: &Json) -> &'static str {
    match json {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

pub(crate) fn int_of(json: &Json, path: &str, max: u64) -> Result<u64> {
    match json.as_u64() {
        Some(n) if n <= max => Ok(n),
        _ => Err(wrong(
            path,
            format!("expected an integer from 0 to {max}, got {json}"),
        )),
    }
}

pub(crate) fn str_of<'a>(json: &'a Json, path: &str) -> Result<&'a str> {
    json.as_str()
        .ok_or_else(|| wrong(path, format!("expected a string, got {}", kind(json))))
}

fn hex_of(json: &Json, path: &str) -> Result<Vec<u8>> {
    let text = str_of(json, path)?;
    hex::decode(text).map_err(|e| wrong(path, format!("expected hex: {e}")))
}

/// A JSON object being read: every field read is marked, so that
/// [`Obj::finish`] can refuse the ones nobody asked for.
pub(crate) struct Obj<'a> {
    map: &'a Map<String, Json>,
    path: String,
    seen: Vec<&'a str>,
}

impl<'a> Obj<'a> {
    pub(crate) fn new(json: &'a Json, path: &str) -> Result<Obj<'a>> {
        match json {
            Json::Object(map) => Ok(Obj {
                map,
                path: path.to_string(),
                seen: Vec::new(),
            }),
            other => Err(wrong(
                path,
                format!("expected an object, got {}", kind(other)),
            )),
        }
    }

    pub(crate) fn at(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    pub(crate) fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// The field, absent or `null` as `None`.
    pub(crate) fn opt(&mut self, key: &str) -> Option<&'a Json> {
        let (k, v) = self.map.get_key_value(key)?;
        self.seen.push(k.as_str());
        (!v.is_null()).then_some(v)
    }

    pub(crate) fn req(&mut self, key: &str) -> Result<&'a Json> {
        self.opt(key)
            .ok_or_else(|| wrong(&self.at(key), "missing field"))
    }

    pub(crate) fn int(&mut self, key: &str, max: u64) -> Result<u64> {
        let v = self.req(key)?;
        int_of(v, &self.at(key), max)
    }

    pub(crate) fn u8(&mut self, key: &str) -> Result<u8> {
        Ok(self.int(key, u8::MAX.into())? as u8)
    }

    pub(crate) fn string(&mut self, key: &str) -> Result<String> {
        let v = self.req(key)?;
        Ok(str_of(v, &self.at(key))?.to_string())
    }

    pub(crate) fn hex(&mut self, key: &str) -> Result<Vec<u8>> {
        let v = self.req(key)?;
        hex_of(v, &self.at(key))
    }

    pub(crate) fn value(&mut self, key: &str) -> Result<Value> {
        match self.opt(key) {
            None if self.has(key) => Ok(Value::Null),
            None => Err(wrong(&self.at(key), "missing field")),
            Some(v) => value_from_json(v, &self.at(key)),
        }
    }

    /// Refuses the fields nobody read.
    pub(crate) fn finish(self) -> Result<()> {
        match self.map.keys().find(|k| !self.seen.contains(&k.as_str())) {
            Some(k) => Err(wrong(&self.at(k), "unknown field")),
            None => Ok(()),
        }
    }
}

/// Exactly one frame, from its bytes.
pub(crate) fn frame_of(bytes: &[u8], path: &str) -> Result<Frame> {
    let mut src = bytes;
    match read_frame(&mut src, &ReadOptions::default()) {
        Ok(Some(frame)) if src.is_empty() => Ok(frame),
        Ok(Some(_)) => Err(wrong(path, format!("{} bytes after the frame", src.len()))),
        Ok(None) => Err(wrong(path, "expected a frame, got no bytes")),
        Err(e) => Err(wrong(path, format!("not a frame: {e}"))),
    }
}

// ---- values -------------------------------------------------------------

/// A value as typed JSON: `null`, `true`, `false`, integers as numbers
/// (`{"int": "<decimal>"}` beyond 64 bits), `{"bytes": HEX}`,
/// `{"text": STRING}`, arrays as arrays, `{"map": [[KEY, VALUE], ...]}`,
/// `{"set": [...]}`, `{"float": NUMBER | "nan" | "inf" | "-inf"}`,
/// `{"simple": N}` and `{"tag": N, "value": VALUE}`.
pub fn value_to_json(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => json!(b),
        Value::Int(i) => {
            if let Ok(n) = i64::try_from(*i) {
                json!(n)
            } else if let Ok(n) = u64::try_from(*i) {
                json!(n)
            } else {
                json!({ "int": i.to_string() })
            }
        }
        Value::Bytes(b) => json!({ "bytes": hex::encode(b) }),
        Value::Text(t) => json!({ "text": t }),
        Value::Array(items) => Json::Array(items.iter().map(value_to_json).collect()),
        Value::Map(entries) => json!({
            "map": entries
                .iter()
                .map(|(k, v)| json!([value_to_json(k), value_to_json(v)]))
                .collect::<Vec<_>>()
        }),
        Value::Set(items) => json!({ "set": items.iter().map(value_to_json).collect::<Vec<_>>() }),
        Value::Float(f) if f.is_nan() => json!({ "float": "nan" }),
        Value::Float(f) if f.is_infinite() => {
            json!({ "float": if *f > 0.0 { "inf" } else { "-inf" } })
        }
        Value::Float(f) => json!({ "float": f }),
        Value::Simple(n) => json!({ "simple": n }),
        Value::Tag(tag, inner) => json!({ "tag": tag, "value": value_to_json(inner) }),
    }
}

/// A value from typed JSON (see [`value_to_json`]); `path` names the field
/// in errors.
pub fn value_from_json(json: &Json, path: &str) -> Result<Value> {
    match json {
        Json::Null => Ok(Value::Null),
        Json::Bool(b) => Ok(Value::Bool(*b)),
        Json::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Ok(Value::Int(i.into())),
            (_, Some(u)) => Ok(Value::Int(u.into())),
            _ => Err(wrong(
                path,
                format!("expected an integer, got {n} (a float is {{\"float\": {n}}})"),
            )),
        },
        Json::String(s) => Err(wrong(
            path,
            format!(
                "a bare string is ambiguous: write {{\"bytes\": HEX}} or {{\"text\": {}}}",
                Json::String(s.clone())
            ),
        )),
        Json::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| value_from_json(item, &format!("{path}[{i}]")))
            .collect::<Result<_>>()
            .map(Value::Array),
        Json::Object(map) => {
            let mut o = Obj::new(json, path)?;
            let value = if map.contains_key("tag") {
                let tag = o.req("tag")?;
                let tag = tag
                    .as_u64()
                    .ok_or_else(|| wrong(&o.at("tag"), "expected an unsigned integer"))?;
                Value::Tag(tag, Box::new(o.value("value")?))
            } else if map.len() != 1 {
                return Err(wrong(
                    path,
                    "expected one of {\"bytes\"}, {\"text\"}, {\"map\"}, {\"set\"}, {\"int\"}, \
                     {\"float\"}, {\"simple\"}, {\"tag\", \"value\"}",
                ));
            } else if o.has("bytes") {
                Value::Bytes(o.hex("bytes")?)
            } else if o.has("text") {
                Value::Text(o.string("text")?)
            } else if o.has("int") {
                let text = o.string("int")?;
                let i: i128 = text
                    .parse()
                    .map_err(|_| wrong(&o.at("int"), "expected a decimal integer"))?;
                Value::Int(i)
            } else if o.has("map") {
                let at = o.at("map");
                let entries = o.req("map")?;
                let entries = entries
                    .as_array()
                    .ok_or_else(|| wrong(&at, "expected an array of [key, value] pairs"))?;
                entries
                    .iter()
                    .enumerate()
                    .map(|(i, pair)| match pair.as_array().map(Vec::as_slice) {
                        Some([k, v]) => Ok((
                            value_from_json(k, &format!("{at}[{i}][0]"))?,
                            value_from_json(v, &format!("{at}[{i}][1]"))?,
                        )),
                        _ => Err(wrong(&format!("{at}[{i}]"), "expected a [key, value] pair")),
                    })
                    .collect::<Result<_>>()
                    .map(Value::Map)?
            } else if o.has("set") {
                let at = o.at("set");
                match value_from_json(o.req("set")?, &at)? {
                    Value::Array(items) => Value::Set(items),
                    _ => return Err(wrong(&at, "expected an array")),
                }
            } else if o.has("float") {
                let at = o.at("float");
                let f = o.req("float")?;
                Value::Float(match (f.as_f64(), f.as_str()) {
                    (Some(x), _) => x,
                    (_, Some("nan")) => f64::NAN,
                    (_, Some("inf")) => f64::INFINITY,
                    (_, Some("-inf")) => f64::NEG_INFINITY,
                    _ => {
                        return Err(wrong(
                            &at,
                            "expected a number, \"nan\", \"inf\" or \"-inf\"",
                        ));
                    }
                })
            } else if o.has("simple") {
                Value::Simple(o.u8("simple")?)
            } else {
                return Err(wrong(
                    path,
                    "expected one of {\"bytes\"}, {\"text\"}, {\"map\"}, {\"set\"}, {\"int\"}, \
                     {\"float\"}, {\"simple\"}, {\"tag\", \"value\"}",
                ));
            };
            o.finish()?;
            Ok(value)
        }
    }
}

// ---- requests -----------------------------------------------------------

/// Why a step request never carries `transfer`.
pub const TRANSFER_IS_SPLIT: &str = "transfer is split into consume and recv by the runner";

/// An operation's arguments, as the export and a step request give them:
/// the content of [`Op`]'s serde form, its leaves in the JSON style.
pub fn op_to_json(op: &Op) -> Result<Json> {
    let json = with_style(Style::Json, || serde_json::to_value(op))
        .map_err(|e| wrong("args", e.to_string()))?;
    match json {
        Json::Object(mut map) => map
            .remove(op.name())
            .ok_or_else(|| wrong("args", "not the operation's own form")),
        // Not reached: every operation has content.
        other => Ok(other),
    }
}

/// An operation from its name and arguments (see [`op_to_json`]).
pub fn op_from_json(name: &str, args: &Json) -> Result<Op> {
    if OpInfo::by_name(name).is_none() {
        return Err(wrong("op", format!("unknown operation {name:?}")));
    }
    let tagged = json!({ name: args });
    with_style(Style::Json, || serde_path_to_error::deserialize(&tagged)).map_err(|e| {
        let path = e.path().to_string();
        let path = match path.strip_prefix(name) {
            Some(rest) => format!("args{rest}"),
            None => "args".to_string(),
        };
        wrong(&path, e.into_inner().to_string())
    })
}

pub(crate) fn parse_json(line: &str) -> Result<Json> {
    serde_json::from_str(line).map_err(|e| wrong("", format!("not JSON: {e}")))
}

/// An outcome: the same fields as the `expect` of a vector file
/// ([`Outcome::to_expect`]), its leaves in the JSON style.
pub fn outcome_to_json(outcome: &Outcome) -> Json {
    // The expectation's fields are all plain or hex; encoding cannot fail.
    with_style(Style::Json, || serde_json::to_value(outcome.to_expect())).unwrap_or(Json::Null)
}

/// Reads the outcome of a step that ran `op`; `path` names it in errors.
pub fn outcome_from_json(json: &Json, path: &str, op: &OpInfo) -> Result<Outcome> {
    if op.shape == Shape::Transfer {
        return Err(wrong("op", TRANSFER_IS_SPLIT));
    }
    let expect: Expect = with_style(Style::Json, || serde_path_to_error::deserialize(json))
        .map_err(|e| {
            let at = e.path().to_string();
            let at = if at == "." {
                path.to_string()
            } else {
                format!("{path}.{at}")
            };
            wrong(&at, e.into_inner().to_string())
        })?;
    Outcome::from_expect(op.shape, &expect, path).map_err(|e| wrong(&e.field, e.message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip() {
        let value = Value::Array(vec![
            Value::Null,
            Value::Bool(false),
            Value::Int(-(1 << 64)),
            Value::Int(u64::MAX.into()),
            Value::Int(-5),
            Value::bytes([0, 255]),
            Value::Text("snow ☃".into()),
            Value::map([(Value::Int(1), Value::Set(vec![Value::bytes("a")]))]),
            Value::Float(1.5),
            Value::Float(f64::INFINITY),
            Value::Simple(99),
            Value::Tag(42, Box::new(Value::Null)),
        ]);
        let json = value_to_json(&value);
        assert_eq!(value_from_json(&json, "v").unwrap(), value);
        let text = json.to_string();
        let reread: Json = serde_json::from_str(&text).unwrap();
        assert_eq!(value_from_json(&reread, "v").unwrap(), value);
    }

    #[test]
    fn value_errors_say_where() {
        let json: Json = serde_json::from_str(r#"{"map": [[{"bytes": "zz"}, 1]]}"#).unwrap();
        let e = value_from_json(&json, "args").unwrap_err();
        assert_eq!(e.path, "args.map[0][0].bytes");
        let e = value_from_json(&json!(["x"]), "name").unwrap_err();
        assert_eq!(e.path, "name[0]");
        assert!(e.message.contains("ambiguous"), "{e}");
        let e = value_from_json(&json!({"bytes": "00", "text": "x"}), "v").unwrap_err();
        assert_eq!(e.path, "v");
        let e = value_from_json(&json!(1.5), "v").unwrap_err();
        assert!(e.message.contains("float"), "{e}");
    }
}
