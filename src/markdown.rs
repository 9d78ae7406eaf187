//! Note markdown → HTML that is safe to put in the page: pulldown-cmark renders (tables,
//! strikethrough, task lists), then ammonia keeps only an allow-list of tags and attributes, so
//! no script, event handler, style or remote resource from a note ever reaches the webview.
//! Raw HTML inside a note is kept as text, not interpreted: a note is the user's words.

use pulldown_cmark::{Event, Options, Parser, html};

/// The schemes a link in a note may have: web pages, mail and phone numbers.
const LINK_SCHEMES: &[&str] = &["http", "https", "mailto", "tel"];

/// A link a user asked to open, checked before it goes to their browser: an absolute URL of
/// one of [`LINK_SCHEMES`], without spaces or control characters. Returns it as given.
pub fn external_link(url: &str) -> crate::Result<&str> {
    let refuse = |why: &str| {
        let value: String = url.chars().take(200).collect();
        let reason = format!("'{value}' cannot be opened: {why}");
        crate::Error::refused("link", reason, crate::rules::ValueProblem::NotALink { value })
    };
    if url.len() > 4096 || url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(refuse("it is not a link"));
    }
    let scheme =
        url.split_once(':').map(|(s, _)| s.to_ascii_lowercase()).ok_or_else(|| refuse("it is not a full address"))?;
    if !LINK_SCHEMES.contains(&scheme.as_str()) {
        return Err(refuse("only web, mail and phone links open"));
    }
    if scheme.starts_with("http") && !url[scheme.len() + 1..].starts_with("//") {
        return Err(refuse("it is not a full address"));
    }
    Ok(url)
}

/// Renders `markdown` to sanitised HTML.
pub fn render(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        // Shown as typed, so `<b>` in a note reads as `<b>`, and nothing in it is markup.
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        other => other,
    });
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, events);
    sanitizer().clean(&unsafe_html).to_string()
}

fn sanitizer() -> ammonia::Builder<'static> {
    let mut builder = ammonia::Builder::default();
    // Links may point at web pages and mail, never at scripts or files; images not at all, since
    // a remote image is a network request (and the CSP would refuse it anyway).
    builder
        .url_schemes(LINK_SCHEMES.iter().copied().collect())
        // `//host/page` and `page.html` would resolve against the app's own origin or leave it.
        .url_relative(ammonia::UrlRelative::Deny)
        .rm_tags(["img"])
        .add_tags(["input"])
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        .link_rel(Some("noopener noreferrer nofollow"));
    builder
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn markdown_is_rendered() {
        let html = render("## 需求分析\n\n- **预算**: 50万\n- [x] 已报价\n\n| a | b |\n|---|---|\n| 1 | 2 |");
        assert!(html.contains("<h2>需求分析</h2>"));
        assert!(html.contains("<strong>预算</strong>"));
        assert!(html.contains("<table>"));
        assert!(html.contains(r#"type="checkbox""#));
    }

    #[test]
    fn script_and_handlers_are_inert() {
        for hostile in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[click](javascript:alert(1))",
            "![x](https://example.com/track.png)",
            "<a href=\"#\" onclick=\"alert(1)\">x</a>",
            "<iframe src=\"https://example.com\"></iframe>",
        ] {
            let html = render(hostile);
            // Every real tag of the output (text is escaped, so each `<` opens one).
            for tag in html.split('<').skip(1).map(|rest| rest.split('>').next().unwrap_or_default()) {
                let tag = tag.to_ascii_lowercase();
                for bad in ["script", "img", "iframe", " on", "javascript:", "src="] {
                    assert!(!tag.contains(bad), "{hostile} rendered as {html}");
                }
            }
        }
        assert!(render("<script>alert(1)</script>").contains("&lt;script&gt;"));
    }

    #[test]
    fn links_are_absolute_web_mail_or_phone_links_only() {
        assert!(render("[官网](https://example.com/a)").contains(r#"href="https://example.com/a""#));
        for relative in ["[x](//evil.example/login)", "[x](login.html)", "[x](/index.html)", "[x](file:///etc/passwd)"]
        {
            assert!(!render(relative).contains("href"), "{relative}: {}", render(relative));
        }
        assert!(super::external_link("https://example.com/a?b=1").is_ok());
        assert!(super::external_link("mailto:zhang@example.com").is_ok());
        for bad in [
            "javascript:alert(1)",
            "//evil.example",
            "https:evil",
            "file:///etc/passwd",
            "https://a b",
            "tauri://localhost",
        ] {
            assert!(super::external_link(bad).is_err(), "{bad}");
        }
    }
}
