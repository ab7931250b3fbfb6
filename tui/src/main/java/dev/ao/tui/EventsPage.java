package dev.ao.tui;

import com.fasterxml.jackson.databind.JsonNode;
import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.gui2.TextGUIGraphics;
import com.googlecode.lanterna.input.KeyType;
import dev.ao.engine.run.RunState;
import dev.ao.engine.run.RunStore;

import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * A run's history: events.jsonl as a table (time, state, detail), oldest first, refreshed while the page is open.
 * The file is read through a link-refusing open and only its last {@link #MAX_BYTES}, so a damaged or huge one
 * costs little; a line that is not JSON is shown as it is, cleaned.
 */
final class EventsPage implements Page {
    static final int MAX_BYTES = 1024 * 1024;

    record Event(String time, String state, String detail) {}

    private final TuiApp app;
    private final String id;
    private final List<KeyBinding> bindings;
    private List<Event> events = List.of();
    private boolean cut;
    private boolean loaded;
    private String error;
    private int top;
    private int height = 20;
    private boolean atEnd = true;

    EventsPage(TuiApp app, String id) {
        this.app = app;
        this.id = id;
        this.bindings = List.of(
                KeyBinding.help(Key.of(KeyType.ArrowUp), "scroll up", () -> scroll(-1)),
                KeyBinding.help(Key.of(KeyType.ArrowDown), "scroll down", () -> scroll(1)),
                KeyBinding.help(Key.of('k'), "scroll up", () -> scroll(-1)),
                KeyBinding.help(Key.of('j'), "scroll down", () -> scroll(1)),
                KeyBinding.bar(Key.of(KeyType.PageUp), "page up", () -> scroll(-height)),
                KeyBinding.bar(Key.of(KeyType.PageDown), "page down", () -> scroll(height)),
                KeyBinding.help(Key.of('g'), "first event", () -> scroll(-events.size())),
                KeyBinding.help(Key.of('G'), "last event", () -> scroll(events.size())));
    }

    @Override
    public String title() {
        return "events of " + id;
    }

    @Override
    public List<KeyBinding> bindings() {
        return bindings;
    }

    @Override
    public long refreshMillis() {
        return 1000;
    }

    private void scroll(int d) {
        top = Math.max(0, Math.min(Math.max(0, events.size() - height), top + d));
        atEnd = top >= events.size() - height;
    }

    @Override
    public Callable<Runnable> load() {
        return () -> {
            Path f = app.backend().store().dir(id).resolve(RunStore.EVENTS);
            boolean[] truncated = new boolean[1];
            List<Event> read = read(f, truncated);
            return () -> {
                events = read;
                cut = truncated[0];
                loaded = true;
                error = null;
                if (atEnd) top = Math.max(0, events.size() - height);
            };
        };
    }

    /** The events in {@code f}; {@code truncated[0]} says whether only the end of a bigger file was read. */
    static List<Event> read(Path f, boolean[] truncated) throws IOException {
        byte[] bytes;
        try (SeekableByteChannel ch = Files.newByteChannel(f, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long size = ch.size();
            long from = Math.max(0, size - MAX_BYTES);
            truncated[0] = from > 0;
            ch.position(from);
            ByteBuffer buf = ByteBuffer.allocate((int) (size - from));
            while (buf.hasRemaining() && ch.read(buf) > 0) {
                // read to the end
            }
            bytes = java.util.Arrays.copyOf(buf.array(), buf.position());
        } catch (NoSuchFileException e) {
            return List.of();
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        String[] lines = text.split("\n");
        List<Event> out = new ArrayList<>();
        for (int i = truncated[0] ? 1 : 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isBlank()) continue;
            out.add(parse(line));
        }
        return out;
    }

    static Event parse(String line) {
        JsonNode n;
        try {
            n = RunStore.JSON.readTree(line);
        } catch (IOException e) {
            return new Event("", "?", Text.clean(line));
        }
        if (n == null || !n.isObject()) return new Event("", "?", Text.clean(line));
        StringBuilder detail = new StringBuilder();
        Iterator<Map.Entry<String, JsonNode>> it = n.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("time") || e.getKey().equals("state")) continue;
            if (detail.length() > 0) detail.append("  ");
            JsonNode v = e.getValue();
            detail.append(e.getKey()).append('=').append(v.isValueNode() ? v.asText() : v.toString());
            if (detail.length() > 4096) break;
        }
        return new Event(Text.clean(n.path("time").asText("")), Text.clean(n.path("state").asText("")), Text.clean(detail.toString()));
    }

    @Override
    public void failed(String message) {
        error = message;
    }

    @Override
    public void draw(TextGUIGraphics g) {
        int w = g.getSize().getColumns();
        int h = g.getSize().getRows();
        height = Math.max(1, h - 1);
        int timeW = 19, stateW = 16;
        int detailW = Math.max(1, w - timeW - stateW - 2);
        g.enableModifiers(SGR.BOLD);
        g.putString(0, 0, Text.fit(Text.fit("TIME", timeW) + " " + Text.fit("STATE", stateW) + " "
                + (cut ? "DETAIL (the last " + Text.bytes(MAX_BYTES) + " of events.jsonl)" : "DETAIL"), w));
        g.disableModifiers(SGR.BOLD);
        if (error != null && events.isEmpty()) {
            g.setForegroundColor(TextColor.ANSI.RED).putString(1, 2, Text.clip("cannot read events: " + error, w - 2)).setForegroundColor(TextColor.ANSI.DEFAULT);
            return;
        }
        if (loaded && events.isEmpty()) {
            g.putString(1, 2, Text.clip("(no events recorded)", w - 2));
            return;
        }
        top = Math.max(0, Math.min(top, Math.max(0, events.size() - height)));
        for (int i = 0; i < height && top + i < events.size(); i++) {
            Event e = events.get(top + i);
            int y = i + 1;
            g.putString(0, y, Text.fit(Text.localTime(e.time().isEmpty() ? null : e.time()), timeW) + " ");
            TextColor c = TextColor.ANSI.DEFAULT;
            try {
                c = TuiApp.color(RunState.parse(e.state()));
            } catch (RuntimeException ignored) {
                // not a state ao knows: shown as it is
            }
            g.setForegroundColor(c).putString(timeW + 1, y, Text.fit(e.state(), stateW)).setForegroundColor(TextColor.ANSI.DEFAULT);
            g.putString(timeW + stateW + 2, y, Text.clip(e.detail(), detailW));
        }
    }
}
