package io.textintel.jobs.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code textintel} command line: demo, run, sql, setup and models. */
@Command(
        name = "textintel",
        mixinStandardHelpOptions = true,
        version = "textintel 0.1.0",
        description = "Streaming text intelligence on Apache Flink: Kafka -> embeddings and topic tags -> Elasticsearch.",
        subcommands = {DemoCommand.class, RunCommand.class, SqlCommand.class, SetupCommand.class, ModelsCommand.class,
                CommandLine.HelpCommand.class})
public final class TextIntelCommand implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with its error handling: a bad configuration or input prints its message, not a trace. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new TextIntelCommand());
        cli.setExecutionExceptionHandler((error, commandLine, parseResult) -> {
            commandLine.getErr().println("textintel " + commandLine.getCommandName() + ": " + error.getMessage());
            if (Boolean.getBoolean("textintel.debug")) {
                error.printStackTrace(commandLine.getErr());
            } else {
                commandLine.getErr().println("(run with -Dtextintel.debug=true for the stack trace)");
            }
            return error instanceof IllegalArgumentException ? 2 : 1;
        });
        return cli;
    }
}
