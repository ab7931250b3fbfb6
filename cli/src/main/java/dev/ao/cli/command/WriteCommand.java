package dev.ao.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ao.cli.CommandFactory;
import dev.ao.cli.Context;
import dev.ao.cli.Json;
import dev.ao.cli.OutputOptions;
import dev.ao.cli.Terminal;
import dev.ao.engine.SafeText;
import dev.ao.engine.config.AoConfig;
import dev.ao.engine.llm.LlmProvider;
import dev.ao.engine.llm.ModelClient;
import dev.ao.engine.skill.ParameterDoc;
import dev.ao.engine.write.DraftWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code ao write "<task>"}: a model writes the script, ao validates it, saves it as a draft skill, shows it, runs it. */
@Command(name = "write", sortOptions = false,
        description = {"Ask the configured model ([llm] provider) for one script that does the task, validate it (script.json",
                "rules, a syntax check inside the sandbox), save it as a draft skill that needs approval to run, and print",
                "its path, parameters and script. With --run, run it like 'ao run'."},
        footerHeading = "%nExamples:%n",
        footer = {"  ao write \"restart every deployment in CrashLoopBackOff in namespace shop\"",
                "  ao write \"summarise the errors in a log file\" --lang python --skill-name log-errors --run -p path=app.log",
                "",
                "The key comes from the env var the provider names (env_key; ANTHROPIC_API_KEY by default) and is never",
                "printed or stored. Providers: [llm.providers.<id>] with api = \"anthropic-messages\" | \"openai-chat\",",
                "base_url, model, env_key, headers."})
public final class WriteCommand implements Callable<Integer> {
    private final Context ctx;

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "TASK", description = "What the script should do, in plain words.")
    String task;

    @Option(names = "--skill-name", paramLabel = "NAME", description = "The draft's folder name (lowercase-hyphenated; default: the model's).")
    String skillName;

    @Option(names = "--lang", paramLabel = "LANG", description = "python, bash or js (default: the model chooses, Python preferred).")
    String lang;

    @Option(names = "--run", description = "Run the draft once it is saved, like 'ao run' (it needs approval: asked at a terminal, --approve in CI).")
    boolean run;

    @Option(names = "--approve", description = "With --run: approve the draft's run without asking.")
    boolean approve;

    @Option(names = {"-p", "--param"}, paramLabel = "KEY=VALUE", description = "With --run: a parameter for the draft, as in 'ao run'.")
    List<String> params = new ArrayList<>();

    @Mixin OutputOptions output;

    public WriteCommand(Context ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Terminal term = ctx.terminal();
        if (!run && (approve || !params.isEmpty())) throw dev.ao.engine.AoException.usage("--approve and -p go with --run");
        AoConfig config = ctx.config();
        LlmProvider provider = config.llmProvider();
        ModelClient client = new ModelClient(provider, ctx.env(), ModelClient.Policy.defaults());
        DraftWriter writer = new DraftWriter(config, ctx.catalog(), ctx.runs(), client::ask, provider.id() + " " + provider.model());
        DraftWriter.Draft d = writer.write(new DraftWriter.Request(task, skillName, lang), line -> {
            err.println(term.dim("ao: " + line));
            err.flush();
        });
        String shown = config.baseDir().relativize(d.dir()).toString();
        List<ParameterDoc> docs = ParameterDoc.of(d.spec().parametersSchema());
        if (output.json()) {
            ObjectNode n = draftJson(d, shown, docs);
            if (run) {
                StringWriter captured = new StringWriter();
                int code = runDraft(d, new PrintWriter(captured), err);
                String text = captured.toString().strip();
                JsonNode result = text.isEmpty() ? null : Json.MAPPER.readTree(text);
                if (result != null && result.has("error")) n.set("error", result.get("error"));
                else if (result != null) n.set("run", result);
                out.println(Json.write(n));
                out.flush();
                return code;
            }
            out.println(Json.write(n));
            out.flush();
            return 0;
        }
        out.println("draft saved: " + SafeText.line(shown) + "  (skill " + SafeText.line(d.skillId()) + ", risk: approval_required)");
        out.println();
        out.println(term.bold("parameters"));
        if (docs.isEmpty()) out.println("  none");
        for (ParameterDoc p : docs) {
            out.println("  " + SafeText.line(p.name()) + "  " + SafeText.line(p.type()) + (p.required() ? ", required" : "")
                    + (p.defaultValue() != null ? ", default " + SafeText.line(p.defaultValue()) : "")
                    + (p.description() == null || p.description().isBlank() ? "" : "  " + SafeText.line(p.description())));
        }
        out.println();
        out.println(term.bold("script " + SafeText.line(d.scriptFile().getFileName().toString())));
        // what a model wrote reaches the terminal without its escape sequences
        out.println(SafeText.block(d.script().stripTrailing()));
        out.flush();
        for (String w : d.warnings()) err.println(term.yellow("ao: warning: " + w));
        if (d.attempts() > 1) err.println(term.dim("ao: the first answer failed validation; this is the second"));
        if (!run) {
            String required = docs.stream().filter(ParameterDoc::required).map(p -> " -p " + p.name() + "=...").reduce("", String::concat);
            err.println(term.dim("review it, then: ao run " + d.skillId() + required + "   (or: ao write ... --run)"));
            err.flush();
            return 0;
        }
        err.flush();
        return runDraft(d, out, err);
    }

    /** The draft runs through 'ao run' itself: the same approval, sandbox, status line and exit codes. */
    private int runDraft(DraftWriter.Draft d, PrintWriter out, PrintWriter err) {
        List<String> args = new ArrayList<>(List.of("run", d.dir().toString()));
        for (String p : params) {
            args.add("-p");
            args.add(p);
        }
        if (approve) args.add("--approve");
        if (output.json()) args.addAll(List.of("-o", "json"));
        ctx.refresh();
        String[] argv = args.toArray(String[]::new);
        CommandLine cl = CommandFactory.create(ctx, argv);
        cl.setOut(out);
        cl.setErr(err);
        return cl.execute(argv);
    }

    private static ObjectNode draftJson(DraftWriter.Draft d, String shown, List<ParameterDoc> docs) {
        ObjectNode n = Json.object();
        ObjectNode draft = n.putObject("draft");
        draft.put("skill", d.skillId());
        draft.put("dir", d.dir().toString());
        draft.put("path", shown);
        draft.put("script_file", d.scriptFile().toString());
        draft.put("risk", d.spec().risk());
        draft.put("model", d.model());
        draft.put("attempts", d.attempts());
        ArrayNode used = draft.putArray("skills_used");
        d.skillsUsed().forEach(used::add);
        draft.set("parameters", Json.MAPPER.valueToTree(docs));
        draft.put("script", d.script());
        ArrayNode w = draft.putArray("warnings");
        d.warnings().forEach(w::add);
        return n;
    }
}
