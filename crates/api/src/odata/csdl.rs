//! `$metadata`: the CSDL XML document (OData 4.0) describing every entity type and set.

use super::{Edm, EntitySet, NAMESPACE, sets};

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;")
        .replace('>', "&gt;")
}

/// The metadata document; the same for every caller (the sets are the catalogue's).
pub fn document() -> &'static str {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DOC.get_or_init(build)
}

fn build() -> String {
    let mut x = String::new();
    x.push_str(r#"<?xml version="1.0" encoding="utf-8"?>"#);
    x.push_str(
        r#"<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">"#,
    );
    x.push_str("<edmx:DataServices>");
    x.push_str(&format!(
        r#"<Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="{NAMESPACE}">"#
    ));
    let mut seen: Vec<String> = Vec::new();
    for set in sets() {
        let ty = set.entity_type();
        if seen.contains(&ty) {
            continue;
        }
        seen.push(ty.clone());
        entity_type(&mut x, set, &ty);
    }
    x.push_str(r#"<EntityContainer Name="Container">"#);
    for set in sets() {
        x.push_str(&format!(
            r#"<EntitySet Name="{}" EntityType="{NAMESPACE}.{}"><Annotation Term="Org.OData.Core.V1.Description" String="{}"/></EntitySet>"#,
            set.name,
            set.entity_type(),
            escape(&set.description())
        ));
    }
    x.push_str("</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>");
    x
}

fn entity_type(x: &mut String, set: &EntitySet, ty: &str) {
    let props = set.props();
    x.push_str(&format!(r#"<EntityType Name="{ty}"><Key>"#));
    for p in props.iter().filter(|p| p.key) {
        x.push_str(&format!(r#"<PropertyRef Name="{}"/>"#, p.name));
    }
    x.push_str("</Key>");
    for p in &props {
        let facets = match p.ty {
            Edm::Decimal => r#" Scale="variable""#,
            _ => "",
        };
        x.push_str(&format!(
            r#"<Property Name="{}" Type="{}" Nullable="{}"{facets}/>"#,
            p.name,
            p.ty.name(),
            p.nullable
        ));
    }
    x.push_str("</EntityType>");
}
