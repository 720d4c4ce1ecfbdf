//! A small element tree of an XML document with the line of every element, enough for the
//! CIN census (elements and text; attributes, comments and processing instructions ignored).

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::error::FieldError;
use crate::ingest::Source;
use crate::ingest::limits::{Lines, XmlBudget, doctype};

#[derive(Debug, Default)]
pub(crate) struct Node {
    pub name: String,
    pub text: String,
    /// 1-based line of the element's start tag (its end, for a tag over several lines).
    pub line: u64,
    pub children: Vec<Node>,
}

impl Node {
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }
    /// Trimmed text of a child element, `None` when absent or empty.
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name)
            .map(|c| c.text.trim())
            .filter(|t| !t.is_empty())
    }
}

/// Parse `bytes` of file `file` into its root element, handing each `Child` of the root's
/// `Children` to `on_child` as soon as it is complete and leaving it out of the tree, so a
/// census of any size is held one child at a time. Not well-formed XML, or no root element:
/// an error naming the file and line.
pub(crate) fn parse(
    file: &str,
    bytes: &[u8],
    on_child: &mut dyn FnMut(&Node),
) -> Result<Node, Box<FieldError>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // The census is UTF-8; a file in a single-byte encoding (an export's Latin-1 or
    // Windows-1252) is read byte for byte: dates and codes are ASCII either way, and a
    // binary file still fails as XML.
    let latin1: String;
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(_) => {
            latin1 = bytes.iter().map(|&b| b as char).collect();
            &latin1
        }
    };
    let lines = Lines::of(text.as_bytes());
    let line_at = |pos: u64| lines.at(pos);
    let mut budget = XmlBudget::default();

    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(true);
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    loop {
        let event = reader.read_event().map_err(|e| {
            Source::at(file, line_at(reader.error_position()))
                .problem(format!("not well-formed XML ({e}), so not a CIN census"))
        })?;
        let pos = reader.buffer_position();
        match event {
            Event::DocType(_) => return Err(doctype(file, line_at(pos))),
            Event::Start(s) => {
                budget.open(file, line_at(pos), stack.len() + 1)?;
                if root.is_some() {
                    return Err(Box::new(
                        Source::at(file, line_at(pos))
                            .problem("more than one root element, so not a CIN census"),
                    ));
                }
                stack.push(Node {
                    name: local(s.name().as_ref()),
                    line: line_at(pos),
                    ..Node::default()
                });
            }
            Event::Empty(s) => {
                budget.open(file, line_at(pos), stack.len() + 1)?;
                let node = Node {
                    name: local(s.name().as_ref()),
                    line: line_at(pos),
                    ..Node::default()
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None if root.is_none() => root = Some(node),
                    None => {
                        return Err(Box::new(
                            Source::at(file, line_at(pos))
                                .problem("more than one root element, so not a CIN census"),
                        ));
                    }
                }
            }
            Event::End(_) => {
                let node = stack.pop().expect("quick-xml checks end names");
                if node.name == "Child" && stack.len() == 2 && stack[1].name == "Children" {
                    on_child(&node);
                    continue;
                }
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => root = Some(node),
                }
            }
            Event::Text(t) => {
                if let Some(n) = stack.last_mut() {
                    n.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(n) = stack.last_mut() {
                    n.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let c = if r.is_char_ref() {
                    r.resolve_char_ref().ok().flatten()
                } else {
                    match r.xml10_content().as_ref() {
                        "amp" => Some('&'),
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "quot" => Some('"'),
                        "apos" => Some('\''),
                        _ => None,
                    }
                };
                if let (Some(n), Some(c)) = (stack.last_mut(), c) {
                    n.text.push(c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some(open) = stack.first() {
        return Err(Box::new(
            Source::at(file, line_at(text.len() as u64)).problem(format!(
                "the file ends before <{}> (line {}) is closed, so it is not a complete CIN census",
                open.name, open.line
            )),
        ));
    }
    root.ok_or_else(|| {
        Box::new(Source::at(file, 1).problem("no XML element at all, so not a CIN census"))
    })
}

/// Element name without a namespace prefix.
fn local(name: &str) -> String {
    match name.rsplit_once(':') {
        Some((_, l)) => l.to_string(),
        None => name.to_string(),
    }
}
