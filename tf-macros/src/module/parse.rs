//! The typed model of a `#[derive(Module)]` struct and its `#[module(...)]` attributes.

use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, LitBool, LitStr, Member, Path, Type};

pub struct Model {
    pub ident: syn::Ident,
    pub generics: syn::Generics,
    /// The module name (`#[module(name = "...")]`, else the snake-cased type name).
    pub name: String,
    /// `#[module(crate = path)]`.
    pub krate: Option<Path>,
    /// Tracked fields, sorted by attribute name.
    pub fields: Vec<Field>,
}

pub struct Field {
    pub member: Member,
    pub ty: Type,
    /// The attribute name used in paths.
    pub name: String,
    pub trainable: bool,
}

const STRUCT_KEYS: &str = "`name` or `crate`";
const FIELD_KEYS: &str = "`skip`, `name` or `trainable`";

impl Model {
    pub fn from_input(input: &DeriveInput) -> syn::Result<Model> {
        let fields = match &input.data {
            Data::Struct(s) => &s.fields,
            Data::Enum(e) => {
                return Err(syn::Error::new(
                    e.enum_token.span,
                    "#[derive(Module)] supports structs only, not enums: hold the variants' data in a struct, or implement `tf::Module` by hand",
                ))
            }
            Data::Union(u) => return Err(syn::Error::new(u.union_token.span, "#[derive(Module)] supports structs only, not unions")),
        };
        let mut name = snake_case(&input.ident.to_string());
        let mut krate = None;
        for attr in input.attrs.iter().filter(|a| a.path().is_ident("module")) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("name") {
                    name = meta.value()?.parse::<LitStr>()?.value();
                } else if meta.path.is_ident("crate") {
                    krate = Some(meta.value()?.parse::<Path>()?);
                } else {
                    return Err(meta.error(format!("unknown `module` attribute on a struct; expected {STRUCT_KEYS}")));
                }
                Ok(())
            })?;
        }
        let mut out = Vec::new();
        let list: Vec<&syn::Field> = match fields {
            Fields::Named(n) => n.named.iter().collect(),
            Fields::Unnamed(u) => u.unnamed.iter().collect(),
            Fields::Unit => Vec::new(),
        };
        for (i, f) in list.into_iter().enumerate() {
            let (member, default_name) = match &f.ident {
                Some(id) => (Member::Named(id.clone()), id.to_string().trim_start_matches("r#").to_string()),
                None => (
                    Member::Unnamed(syn::Index {
                        index: i as u32,
                        span: f.ty.span(),
                    }),
                    i.to_string(),
                ),
            };
            let (mut skip, mut fname, mut trainable) = (false, default_name, true);
            for attr in f.attrs.iter().filter(|a| a.path().is_ident("module")) {
                attr.parse_nested_meta(|meta| {
                    if meta.path.is_ident("skip") {
                        skip = true;
                    } else if meta.path.is_ident("name") {
                        fname = meta.value()?.parse::<LitStr>()?.value();
                    } else if meta.path.is_ident("trainable") {
                        trainable = meta.value()?.parse::<LitBool>()?.value;
                    } else {
                        return Err(meta.error(format!("unknown `module` attribute on a field; expected {FIELD_KEYS}")));
                    }
                    Ok(())
                })?;
            }
            if !skip {
                out.push(Field {
                    member,
                    ty: f.ty.clone(),
                    name: fname,
                    trainable,
                });
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Model {
            ident: input.ident.clone(),
            generics: input.generics.clone(),
            name,
            krate,
            fields: out,
        })
    }
}

/// `DenseLayer` → `dense_layer`, as TensorFlow names modules after their class.
pub fn snake_case(s: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev_lower = i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if i > 0 && (prev_lower || (next_lower && chars[i - 1].is_uppercase())) {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_names() {
        assert_eq!(snake_case("Mlp"), "mlp");
        assert_eq!(snake_case("DenseLayer"), "dense_layer");
        assert_eq!(snake_case("MLPBlock"), "mlp_block");
        assert_eq!(snake_case("Conv2D"), "conv2_d");
    }

    #[test]
    fn fields_sorted_skipped_and_renamed() {
        let input: DeriveInput = syn::parse_quote! {
            struct Net {
                zeta: Variable,
                #[module(skip)] cache: Vec<u8>,
                #[module(name = "alpha", trainable = false)] stats: Variable,
                beta: Dense,
            }
        };
        let m = Model::from_input(&input).unwrap();
        let names: Vec<&str> = m.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, vec!["alpha", "beta", "zeta"]);
        assert!(!m.fields[0].trainable);
    }

    #[test]
    fn enums_and_unknown_attributes_are_errors() {
        let e: DeriveInput = syn::parse_quote!(
            enum E {
                A,
            }
        );
        assert!(Model::from_input(&e).err().unwrap().to_string().contains("structs only"));
        let u: DeriveInput = syn::parse_quote!(
            struct S {
                #[module(frozen)]
                a: Variable,
            }
        );
        assert!(Model::from_input(&u)
            .err()
            .unwrap()
            .to_string()
            .contains("unknown `module` attribute"));
    }
}
