//! A small SVG backend for plotters, so that the exports draw their chart images with
//! the same code as the page's canvas (see [`super`]).
//!
//! Text is written as `<text>` elements anchored where plotters asks; its width is
//! estimated from per-character widths of a typical sans-serif face (there are no font
//! files, and in the Web Worker no DOM to measure with). The estimate is deterministic,
//! so the CLI and the page's worker write the same bytes.

use std::collections::HashSet;
use std::fmt::{self, Write};

use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, IntoDrawingArea};
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
    FontStyle, FontTransform,
};

/// Writing to a `String` cannot fail; the type exists because the trait needs one.
#[derive(Debug)]
pub struct SvgError;

impl fmt::Display for SvgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SVG output failed")
    }
}

impl std::error::Error for SvgError {}

/// A plotters backend that appends SVG elements to a string.
///
/// An element identical to one already written is left out: thousands of flows often
/// land on the same pixels, and drawing an element twice changes nothing a reader sees
/// (the charts draw no translucent element twice on purpose).
pub struct SvgBackend<'a> {
    out: &'a mut String,
    size: (u32, u32),
    written: HashSet<String>,
}

impl SvgBackend<'_> {
    /// Appends `element` (one line) unless it was written before.
    fn element(&mut self, element: String) {
        if !self.written.contains(&element) {
            self.out.push_str(&element);
            self.out.push('\n');
            self.written.insert(element);
        }
    }
}

type Result = std::result::Result<(), DrawingErrorKind<SvgError>>;

/// Draws with `draw` on a `width`×`height` SVG and returns the whole document.
pub fn render(
    width: u32,
    height: u32,
    draw: impl FnOnce(&DrawingArea<SvgBackend<'_>, Shift>) -> std::result::Result<(), String>,
) -> std::result::Result<String, String> {
    let mut body = String::new();
    {
        let root = SvgBackend {
            out: &mut body,
            size: (width, height),
            written: HashSet::new(),
        }
        .into_drawing_area();
        draw(&root)?;
    }
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\">\n{body}</svg>\n"
    ))
}

/// `fill="rgb(…)"` or `stroke="rgb(…)"`, with an opacity when not opaque.
fn paint(kind: &str, color: BackendColor) -> String {
    let (r, g, b) = color.rgb;
    let mut s = format!("{kind}=\"rgb({r},{g},{b})\"");
    if color.alpha < 1.0 {
        let _ = write!(s, " {kind}-opacity=\"{:.3}\"", color.alpha.max(0.0));
    }
    s
}

fn stroke<S: BackendStyle>(style: &S) -> String {
    format!(
        "fill=\"none\" {} stroke-width=\"{}\"",
        paint("stroke", style.color()),
        style.stroke_width()
    )
}

fn points(path: impl IntoIterator<Item = BackendCoord>) -> String {
    let mut s = String::new();
    for (i, (x, y)) in path.into_iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        let _ = write!(s, "{x},{y}");
    }
    s
}

/// Escapes text for an XML text node or attribute.
pub fn escape(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&#39;"),
            c => s.push(c),
        }
    }
    s
}

/// Estimated width of `text` in a sans-serif face of `size` pixels: per-character
/// widths in em close to Helvetica/Arial's.
pub fn text_width(text: &str, size: f64) -> f64 {
    let em: f64 = text
        .chars()
        .map(|c| match c {
            '0'..='9' => 0.556,
            '.' | ',' | ':' | ';' | 'i' | 'l' | 'j' | '|' | '!' | '\'' | ' ' => 0.278,
            'f' | 't' | 'r' | '(' | ')' | '-' | '/' => 0.333,
            'm' | 'w' | 'M' | 'W' => 0.833,
            'A'..='Z' => 0.667,
            _ => 0.556,
        })
        .sum();
    em * size
}

impl DrawingBackend for SvgBackend<'_> {
    type ErrorType = SvgError;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }

    fn ensure_prepared(&mut self) -> Result {
        Ok(())
    }

    fn present(&mut self) -> Result {
        Ok(())
    }

    fn draw_pixel(&mut self, (x, y): BackendCoord, color: BackendColor) -> Result {
        if color.alpha > 0.0 {
            self.element(format!(
                "<rect x=\"{x}\" y=\"{y}\" width=\"1\" height=\"1\" {}/>",
                paint("fill", color)
            ));
        }
        Ok(())
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        (x1, y1): BackendCoord,
        (x2, y2): BackendCoord,
        style: &S,
    ) -> Result {
        if style.color().alpha > 0.0 {
            self.element(format!(
                "<line x1=\"{x1}\" y1=\"{y1}\" x2=\"{x2}\" y2=\"{y2}\" {}/>",
                stroke(style)
            ));
        }
        Ok(())
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        (x0, y0): BackendCoord,
        (x1, y1): BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result {
        if style.color().alpha > 0.0 {
            let (x, y) = (x0.min(x1), y0.min(y1));
            let (w, h) = ((x1 - x0).abs(), (y1 - y0).abs());
            let look = if fill {
                paint("fill", style.color())
            } else {
                stroke(style)
            };
            self.element(format!(
                "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" {look}/>"
            ));
        }
        Ok(())
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result {
        if style.color().alpha > 0.0 {
            self.element(format!(
                "<polyline points=\"{}\" {}/>",
                points(path),
                stroke(style)
            ));
        }
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        (x, y): BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result {
        if style.color().alpha > 0.0 {
            let look = if fill {
                paint("fill", style.color())
            } else {
                stroke(style)
            };
            self.element(format!(
                "<circle cx=\"{x}\" cy=\"{y}\" r=\"{radius}\" {look}/>"
            ));
        }
        Ok(())
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result {
        if style.color().alpha > 0.0 {
            self.element(format!(
                "<polygon points=\"{}\" {}/>",
                points(vert),
                paint("fill", style.color())
            ));
        }
        Ok(())
    }

    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        (x, y): BackendCoord,
    ) -> Result {
        let color = style.color();
        if color.alpha <= 0.0 {
            return Ok(());
        }
        let anchor = match style.anchor().h_pos {
            HPos::Left => "start",
            HPos::Center => "middle",
            HPos::Right => "end",
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => "0.76em",
            VPos::Center => "0.35em",
            VPos::Bottom => "-0.24em",
        };
        let slant = match style.style() {
            FontStyle::Italic | FontStyle::Oblique => " font-style=\"italic\"",
            FontStyle::Bold => " font-weight=\"bold\"",
            FontStyle::Normal => "",
        };
        let rotate = match style.transform() {
            FontTransform::Rotate90 => format!(" transform=\"rotate(90 {x} {y})\""),
            FontTransform::Rotate180 => format!(" transform=\"rotate(180 {x} {y})\""),
            FontTransform::Rotate270 => format!(" transform=\"rotate(270 {x} {y})\""),
            FontTransform::None => String::new(),
        };
        self.element(format!(
            "<text x=\"{x}\" y=\"{y}\" dy=\"{dy}\" text-anchor=\"{anchor}\" \
             font-family=\"{}\" font-size=\"{}\"{slant}{rotate} {}>{}</text>",
            escape(style.family().as_str()),
            style.size(),
            paint("fill", color),
            escape(text)
        ));
        Ok(())
    }

    fn estimate_text_size<T: BackendTextStyle>(
        &self,
        text: &str,
        style: &T,
    ) -> std::result::Result<(u32, u32), DrawingErrorKind<SvgError>> {
        let width = text_width(text, style.size()).ceil().max(0.0) as u32;
        Ok((width, (style.size() * 1.2).ceil() as u32))
    }

    fn blit_bitmap(&mut self, _pos: BackendCoord, _size: (u32, u32), _src: &[u8]) -> Result {
        // The charts draw no bitmaps.
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::prelude::*;

    #[test]
    fn writes_elements_and_escapes_text() {
        let svg = render(100, 50, |root| {
            root.fill(&WHITE).map_err(|e| e.to_string())?;
            root.draw(&PathElement::new(
                vec![(0, 0), (10, 20)],
                ShapeStyle::from(&RED).stroke_width(2),
            ))
            .map_err(|e| e.to_string())?;
            root.draw_text("a<b & c", &TextStyle::from(("sans-serif", 10)), (5, 6))
                .map_err(|e| e.to_string())
        })
        .unwrap();
        assert!(svg
            .starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100\" height=\"50\""));
        assert!(
            svg.contains(
                "<rect x=\"0\" y=\"0\" width=\"100\" height=\"50\" fill=\"rgb(255,255,255)\"/>"
            ),
            "{svg}"
        );
        assert!(svg.contains("<polyline points=\"0,0 10,20\" fill=\"none\" stroke=\"rgb(255,0,0)\" stroke-width=\"2\"/>"), "{svg}");
        assert!(svg.contains(">a&lt;b &amp; c</text>"), "{svg}");
        assert!(svg.ends_with("</svg>\n"));
    }

    #[test]
    fn an_element_drawn_twice_is_written_once() {
        let svg = render(10, 10, |root| {
            let style = ShapeStyle::from(&BLUE).stroke_width(1);
            for _ in 0..3 {
                root.draw(&PathElement::new(vec![(1, 1), (5, 1)], style))
                    .map_err(|e| e.to_string())?;
            }
            root.draw(&PathElement::new(vec![(1, 2), (5, 2)], style))
                .map_err(|e| e.to_string())
        })
        .unwrap();
        assert_eq!(svg.matches("<polyline points=\"1,1 5,1\"").count(), 1);
        assert_eq!(svg.matches("<polyline").count(), 2);
    }

    #[test]
    fn estimates_text_width_per_character() {
        // "10 B" at 10 px: two digits 0.556 + space 0.278 + capital 0.667 = 2.057 em.
        assert!((text_width("10 B", 10.0) - 20.57).abs() < 1e-9);
        assert_eq!(text_width("", 12.0), 0.0);
    }
}
