//! Protobuf text format, byte for byte as Paddle's Python protobuf printed it.
//!
//! One serde serializer covers every message: a struct is a message, `None` and empty `Vec`s
//! are unset fields, a `Vec` is a repeated field, `f64` goes through Python 2's `str(float)`,
//! integers stored in double fields stay integers (see [`super::Real`]), unit enum variants are
//! printed bare.

pub use crate::protostr_read::{from_str, ReadError};

use super::real::py2_float_str;
use super::{ModelConfig, TrainerConfig};
use serde::ser::{self, Impossible, Serialize};
use std::fmt::{self, Write};

/// The ModelConfig as `python -m paddle.utils.dump_config` prints it.
pub fn model_config_text(model: &ModelConfig) -> String {
    to_text(model).expect("ModelConfig is a message")
}

/// The whole TrainerConfig (`dump_config --whole`).
pub fn trainer_config_text(trainer: &TrainerConfig) -> String {
    to_text(trainer).expect("TrainerConfig is a message")
}

/// Any message struct as protobuf text.
pub fn to_text<T: Serialize>(message: &T) -> Result<String, Error> {
    let mut out = String::new();
    message.serialize(Message {
        out: &mut out,
        indent: 0,
    })?;
    Ok(out)
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("protobuf text: {0}")]
    Custom(String),
    #[error("protobuf text: {0} cannot be printed as a field")]
    Unsupported(&'static str),
}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::Custom(msg.to_string())
    }
}

/// Protobuf's CEscape: the escapes C understands, other bytes outside printable ASCII in octal.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b'"' => out.push_str("\\\""),
            b'\'' => out.push_str("\\'"),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(b as char),
            _ => {
                let _ = write!(out, "\\{b:03o}");
            }
        }
    }
    out
}

/// Serializes a message's fields at `indent`.
struct Message<'a> {
    out: &'a mut String,
    indent: usize,
}

struct Fields<'a> {
    out: &'a mut String,
    indent: usize,
}

/// Serializes one field's value (or each value of a repeated field) under `name`.
struct Field<'a> {
    out: &'a mut String,
    indent: usize,
    name: &'static str,
}

impl Field<'_> {
    fn scalar(self, text: &str) -> Result<(), Error> {
        for _ in 0..self.indent {
            self.out.push(' ');
        }
        self.out.push_str(self.name);
        self.out.push_str(": ");
        self.out.push_str(text);
        self.out.push('\n');
        Ok(())
    }
}

macro_rules! unsupported {
    ($($method:ident($($arg:ty),*) -> $ret:ty;)*) => {
        $(fn $method(self, $(_: $arg),*) -> Result<$ret, Error> {
            Err(Error::Unsupported(stringify!($method)))
        })*
    };
}

impl<'a> ser::Serializer for Message<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Impossible<(), Error>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Impossible<(), Error>;
    type SerializeStruct = Fields<'a>;
    type SerializeStructVariant = Impossible<(), Error>;

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Fields<'a>, Error> {
        Ok(Fields {
            out: self.out,
            indent: self.indent,
        })
    }

    unsupported! {
        serialize_bool(bool) -> ();
        serialize_i8(i8) -> ();
        serialize_i16(i16) -> ();
        serialize_i32(i32) -> ();
        serialize_i64(i64) -> ();
        serialize_u8(u8) -> ();
        serialize_u16(u16) -> ();
        serialize_u32(u32) -> ();
        serialize_u64(u64) -> ();
        serialize_f32(f32) -> ();
        serialize_f64(f64) -> ();
        serialize_char(char) -> ();
        serialize_str(&str) -> ();
        serialize_bytes(&[u8]) -> ();
        serialize_none() -> ();
        serialize_unit() -> ();
        serialize_unit_struct(&'static str) -> ();
        serialize_unit_variant(&'static str, u32, &'static str) -> ();
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }

    fn serialize_some<T: ?Sized + Serialize>(self, v: &T) -> Result<(), Error> {
        v.serialize(self)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Error> {
        Err(Error::Unsupported("serialize_newtype_variant"))
    }
}

impl ser::SerializeStruct for Fields<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(Field {
            out: self.out,
            indent: self.indent,
            name: key,
        })
    }
    fn end(self) -> Result<(), Error> {
        Ok(())
    }
}

struct Repeated<'a> {
    out: &'a mut String,
    indent: usize,
    name: &'static str,
}

impl ser::SerializeSeq for Repeated<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), Error> {
        v.serialize(Field {
            out: self.out,
            indent: self.indent,
            name: self.name,
        })
    }
    fn end(self) -> Result<(), Error> {
        Ok(())
    }
}

/// A nested message: `name {`, its fields two spaces deeper, `}`.
struct Nested<'a> {
    fields: Fields<'a>,
}

impl ser::SerializeStruct for Nested<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        ser::SerializeStruct::serialize_field(&mut self.fields, key, value)
    }
    fn end(self) -> Result<(), Error> {
        for _ in 0..self.fields.indent - 2 {
            self.fields.out.push(' ');
        }
        self.fields.out.push_str("}\n");
        Ok(())
    }
}

impl<'a> ser::Serializer for Field<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Repeated<'a>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Impossible<(), Error>;
    type SerializeStruct = Nested<'a>;
    type SerializeStructVariant = Impossible<(), Error>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.scalar(if v { "true" } else { "false" })
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.scalar(&v.to_string())
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.scalar(&v.to_string())
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.scalar(&v.to_string())
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.scalar(&v.to_string())
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.scalar(&v.to_string())
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.scalar(&v.to_string())
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.scalar(&v.to_string())
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.scalar(&v.to_string())
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.scalar(&py2_float_str(v as f64))
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        self.scalar(&py2_float_str(v))
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.serialize_str(&v.to_string())
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.scalar(&format!("\"{}\"", escape(v)))
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Error> {
        Err(Error::Unsupported("bytes"))
    }
    fn serialize_none(self) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_some<T: ?Sized + Serialize>(self, v: &T) -> Result<(), Error> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, v: &'static str) -> Result<(), Error> {
        self.scalar(v)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Error> {
        Err(Error::Unsupported("newtype variant"))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Repeated<'a>, Error> {
        Ok(Repeated {
            out: self.out,
            indent: self.indent,
            name: self.name,
        })
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Nested<'a>, Error> {
        for _ in 0..self.indent {
            self.out.push(' ');
        }
        self.out.push_str(self.name);
        self.out.push_str(" {\n");
        Ok(Nested {
            fields: Fields {
                out: self.out,
                indent: self.indent + 2,
            },
        })
    }
    unsupported! {
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::*;

    #[test]
    fn prints_like_python_text_format() {
        let mut layer = LayerConfig::new("__fc_layer_0__", "fc");
        layer.size = Some(100);
        layer.active_type = Some("tanh".into());
        let mut input = LayerInputConfig::new("data");
        input.input_parameter_name = Some("___fc_layer_0__.w0".into());
        layer.inputs.push(input);
        layer.drop_rate = Some(Real::Float(0.5));
        let param = ParameterConfig {
            name: "w".into(),
            size: 6,
            initial_mean: Some(Real::Int(0)),
            initial_std: Some(Real::Float(1e-5)),
            dims: vec![2, 3],
            initial_smart: Some(false),
            ..Default::default()
        };
        let model = ModelConfig {
            r#type: "nn".into(),
            layers: vec![layer],
            parameters: vec![param],
            input_layer_names: vec!["a\"b\n".into()],
            ..Default::default()
        };
        let want = r#"type: "nn"
layers {
  name: "__fc_layer_0__"
  type: "fc"
  size: 100
  active_type: "tanh"
  inputs {
    input_layer_name: "data"
    input_parameter_name: "___fc_layer_0__.w0"
  }
  drop_rate: 0.5
}
parameters {
  name: "w"
  size: 6
  initial_mean: 0
  initial_std: 1e-05
  dims: 2
  dims: 3
  initial_smart: false
}
input_layer_names: "a\"b\n"
"#;
        assert_eq!(model_config_text(&model), want);
    }

    #[test]
    fn escapes_like_cescape() {
        assert_eq!(escape("a'b\\c\td"), "a\\'b\\\\c\\td");
        assert_eq!(escape("é"), "\\303\\251");
    }

    #[test]
    fn the_side_location_of_a_data_source_is_not_printed() {
        let data = DataConfig {
            r#type: "py2".into(),
            declared_at: Some(SourceLocation {
                file: "x.cfg".into(),
                line: 3,
            }),
            ..Default::default()
        };
        assert_eq!(to_text(&data).unwrap(), "type: \"py2\"\n");
    }
}
