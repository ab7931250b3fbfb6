package dev.ao.tui;

import com.googlecode.lanterna.gui2.TextGUIGraphics;
import com.googlecode.lanterna.input.KeyType;

import java.util.List;
import java.util.concurrent.Callable;

/** A text that is already in memory and small (a run's summary): wrapped to the width and scrolled. */
final class TextPage implements Page {
    private final String title;
    private final String text;
    private final List<KeyBinding> bindings;
    private final boolean markdown;
    private int top;
    private int height = 20;
    private int lineCount;

    TextPage(String title, String text) {
        this(title, text, false);
    }

    /** A summary: Markdown drawn as {@link Markdown} renders it (tables as aligned columns). */
    static TextPage markdown(String title, String text) {
        return new TextPage(title, text, true);
    }

    private TextPage(String title, String text, boolean markdown) {
        this.markdown = markdown;
        this.title = title;
        this.text = text;
        this.bindings = List.of(
                KeyBinding.help(Key.of(KeyType.ArrowUp), "scroll up", () -> scroll(-1)),
                KeyBinding.help(Key.of(KeyType.ArrowDown), "scroll down", () -> scroll(1)),
                KeyBinding.help(Key.of('k'), "scroll up", () -> scroll(-1)),
                KeyBinding.help(Key.of('j'), "scroll down", () -> scroll(1)),
                KeyBinding.bar(Key.of(KeyType.PageUp), "page up", () -> scroll(-height)),
                KeyBinding.bar(Key.of(KeyType.PageDown), "page down", () -> scroll(height)),
                KeyBinding.help(Key.of('g'), "top", () -> top = 0),
                KeyBinding.help(Key.of('G'), "bottom", () -> scroll(Integer.MAX_VALUE / 2)));
    }

    @Override
    public String title() {
        return title;
    }

    @Override
    public List<KeyBinding> bindings() {
        return bindings;
    }

    @Override
    public long refreshMillis() {
        return 0;
    }

    @Override
    public Callable<Runnable> load() {
        return null;
    }

    private void scroll(int d) {
        top = Math.max(0, Math.min(Math.max(0, lineCount - height), top + d));
    }

    @Override
    public void draw(TextGUIGraphics g) {
        int w = g.getSize().getColumns();
        height = g.getSize().getRows();
        List<String> lines = markdown ? Markdown.render(text, w - 1, true).stream().map(Markdown.Line::text).toList() : Text.wrap(text, w - 1);
        lineCount = lines.size();
        top = Math.max(0, Math.min(top, Math.max(0, lineCount - height)));
        for (int i = 0; i < height && top + i < lines.size(); i++) g.putString(0, i, Text.clip(lines.get(top + i), w));
    }
}
