//! Pages and a cursor: text lines, headings, wrapped paragraphs and simple tables flowing
//! down A4 pages, a new page whenever the next block does not fit, each page with the same
//! header and a "page n of N" footer.

use pdf_writer::{Content, Name, Str};

use crate::text;

/// A4 width in points.
pub const PAGE_WIDTH: f32 = 595.0;
/// A4 height in points.
pub const PAGE_HEIGHT: f32 = 842.0;
/// Left and right margin.
pub const MARGIN: f32 = 50.0;
/// Usable width between the margins.
pub const BODY_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;
const TOP: f32 = 742.0;
const BOTTOM: f32 = 60.0;

/// The regular font's resource name.
pub const REGULAR: Name<'static> = Name(b"F1");
/// The bold font's resource name.
pub const BOLD: Name<'static> = Name(b"F2");

/// Body text size.
pub const BODY_SIZE: f32 = 10.0;
const LEADING: f32 = 1.35;

/// The pages written so far and where the next line goes.
pub struct Pages {
    header: [String; 2],
    pages: Vec<Content>,
    y: f32,
}

/// One table column: heading and width in points.
pub struct Column<'a> {
    /// Heading text.
    pub title: &'a str,
    /// Width in points.
    pub width: f32,
}

impl Pages {
    /// Starts the first page; `header` is repeated at the top of every page.
    pub fn new(header: [String; 2]) -> Self {
        let mut pages = Pages {
            header,
            pages: Vec::new(),
            y: TOP,
        };
        pages.new_page();
        pages
    }

    fn new_page(&mut self) {
        let mut content = Content::new();
        show(&mut content, MARGIN, 800.0, &self.header[0], 9.0, true);
        show(&mut content, MARGIN, 788.0, &self.header[1], 9.0, false);
        content
            .set_stroke_gray(0.6)
            .set_line_width(0.5)
            .move_to(MARGIN, 780.0)
            .line_to(PAGE_WIDTH - MARGIN, 780.0)
            .stroke();
        self.pages.push(content);
        self.y = TOP;
    }

    /// The current page's content, for drawing at the cursor (see [`Pages::take`]).
    pub fn content(&mut self) -> &mut Content {
        if self.pages.is_empty() {
            self.new_page();
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Reserves `height` points below the cursor (on a new page if they do not fit) and
    /// returns the top of the reserved block.
    pub fn take(&mut self, height: f32) -> f32 {
        if self.y - height < BOTTOM && self.y < TOP {
            self.new_page();
        }
        let top = self.y;
        self.y -= height;
        top
    }

    /// Leaves `points` of space (never across a page break).
    pub fn gap(&mut self, points: f32) {
        self.y = (self.y - points).max(BOTTOM);
    }

    /// One line of text at `x`, `size` points.
    pub fn line(&mut self, x: f32, line: &str, size: f32, bold: bool) {
        let top = self.take(size * LEADING);
        show(self.content(), x, top - size, line, size, bold);
    }

    /// A section heading, kept on the same page as the block of `keep_with` points after it.
    pub fn heading(&mut self, title: &str, keep_with: f32) {
        self.gap(10.0);
        let size = 13.0;
        if self.y - size * LEADING - keep_with < BOTTOM {
            self.new_page();
        }
        self.line(MARGIN, title, size, true);
        self.gap(4.0);
    }

    /// Wrapped text across the body width (page breaks between lines).
    pub fn paragraph(&mut self, body: &str, size: f32, bold: bool) {
        for line in text::wrap(body, size, bold, BODY_WIDTH) {
            self.line(MARGIN, &line, size, bold);
        }
    }

    /// A table: a bold heading row and one row per entry; cells are cut to their column.
    pub fn table(&mut self, columns: &[Column<'_>], rows: &[Vec<String>]) {
        let heads: Vec<String> = columns.iter().map(|c| c.title.to_owned()).collect();
        self.row(columns, &heads, true);
        let top = self.take(3.0) + 1.0;
        self.content()
            .set_stroke_gray(0.4)
            .set_line_width(0.5)
            .move_to(MARGIN, top)
            .line_to(MARGIN + BODY_WIDTH, top)
            .stroke();
        for row in rows {
            self.row(columns, row, false);
        }
    }

    fn row(&mut self, columns: &[Column<'_>], cells: &[String], bold: bool) {
        let top = self.take(BODY_SIZE * LEADING);
        let mut x = MARGIN;
        for (column, cell) in columns.iter().zip(cells) {
            let fitted = fit(cell, BODY_SIZE, bold, column.width - 6.0);
            show(self.content(), x, top - BODY_SIZE, &fitted, BODY_SIZE, bold);
            x += column.width;
        }
    }

    /// Finishes: writes "Page n of N" on every page and returns the pages' contents.
    pub fn finish(mut self) -> Vec<Content> {
        let count = self.pages.len();
        for (index, page) in self.pages.iter_mut().enumerate() {
            let label = format!("Page {} of {count}", index + 1);
            let x = PAGE_WIDTH - MARGIN - text::width(&label, 8.0, false);
            show(page, x, 36.0, &label, 8.0, false);
        }
        self.pages
    }
}

/// `cell` shortened with "..." to fit `max` points.
fn fit(cell: &str, size: f32, bold: bool, max: f32) -> String {
    if text::width(cell, size, bold) <= max {
        return cell.to_owned();
    }
    let mut out = String::new();
    for c in cell.chars() {
        out.push(c);
        if text::width(&format!("{out}..."), size, bold) > max {
            out.pop();
            break;
        }
    }
    format!("{out}...")
}

/// Draws one line of text with its baseline at (`x`, `y`).
pub fn show(content: &mut Content, x: f32, y: f32, line: &str, size: f32, bold: bool) {
    content
        .set_fill_gray(0.0)
        .begin_text()
        .set_font(if bold { BOLD } else { REGULAR }, size)
        .next_line(x, y)
        .show(Str(&text::encode(line)))
        .end_text();
}
