package io.tourniquet.cli;

import io.tourniquet.devstack.LocalStack;
import io.tourniquet.devstack.StackHttp;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.Callable;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;

/**
 * {@code ./tourniquet}: runs Tourniquet locally, and the operators' commands against its APIs. Every command has
 * {@code --help}; options take {@code --opt value} and {@code --opt=value} alike; unknown options are refused.
 */
@Command(name = "tourniquet", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = "Emergency security mitigations for fleets of on-premises servers, delivered over Apache Kafka.",
        subcommands = {StackCommands.Up.class, StackCommands.Down.class, StackCommands.Status.class, Cli.Test.class, BenchCommand.class, FaultsCommand.class,
                FeedCommands.class, KeysCommand.class, AgentCommands.class, PolicyCommands.class, TenantCommands.class, AuditCommands.class,
                LoginCommands.Login.class, LoginCommands.WhoAmI.class, LoginCommands.Logout.class,
                AutoComplete.GenerateCompletion.class, HelpCommand.class},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
                "0:done (a feed: it would be accepted)",
                "1:refused or failed (the service's answer or the reason is printed on stderr)",
                "2:usage error (unknown option, missing or malformed argument)",
                "3:the service could not be reached"},
        footer = {"", "Shell completion: source <(./tourniquet generate-completion)"})
public final class Cli {

    /** The command did its work. */
    static final int OK = 0;
    /** Refused or failed: a rejected feed, an error answer from a service. */
    static final int FAILED = 1;
    /** The command line was wrong. */
    static final int USAGE = CommandLine.ExitCode.USAGE;
    /** The service the command talks to did not answer. */
    static final int UNREACHABLE = 3;

    /** The on/off words of switches (agent observe-only, policy kill-switch). */
    enum Switch { on, off }

    /** Where the project lives: its build output, and the state of ./tourniquet up under .tourniquet/. */
    static Path home() {
        return Path.of(System.getProperty("tourniquet.home", ".")).toAbsolutePath().normalize();
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line as ./tourniquet runs it; tests call {@code execute} on it with their own output streams. */
    public static CommandLine commandLine() {
        // the local stack's services and identity provider serve HTTPS with its own CA: verified, like any other
        StackHttp.trustLocalStack(LocalStack.Options.defaults(home()).stateDir());
        CommandLine commandLine = new CommandLine(new Cli());
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            if (e instanceof IllegalArgumentException || e instanceof NoSuchFileException) {
                err.println(cmd.getColorScheme().errorText(e instanceof NoSuchFileException f ? "no such file: " + f.getFile() : e.getMessage()));
                return USAGE;
            }
            err.println(cmd.getColorScheme().errorText(e.toString()));
            return FAILED;
        });
        commandLine.getSubcommands().get("generate-completion").getCommandSpec().usageMessage().hidden(false);
        return commandLine;
    }

    /** Listed so that --help shows it; the ./tourniquet script runs it before Java starts. */
    @Command(name = "test", description = "Run every test: ./mvnw verify, after making sure PostgreSQL and nginx are there "
            + "(the tourniquet script runs it itself).")
    static final class Test implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new IllegalArgumentException("'test' is run by the ./tourniquet script (./mvnw verify); run ./tourniquet test");
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Cli.class.getPackage().getImplementationVersion();
            return new String[] {"tourniquet " + (version == null ? "0.1.0-SNAPSHOT" : version)};
        }
    }
}
