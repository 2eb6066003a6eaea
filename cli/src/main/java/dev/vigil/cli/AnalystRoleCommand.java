package dev.vigil.cli;

import dev.vigil.jobs.JobOptions;
import dev.vigil.sinks.postgres.AnalystRole;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(
        name = "analyst-role",
        mixinStandardHelpOptions = true,
        description = {
            "Creates (if missing) a PostgreSQL role that can read every Vigil table, view and function and write "
                    + "nothing, and grants it read access, including to the tables of later migrations. Run it as "
                    + "the owner of Vigil's tables (the user that runs vigil migrate); creating the role needs "
                    + "CREATEROLE, or an administrator creates it first. Safe to run again.",
            "Without --password-file the role cannot log in: grant it to people's own roles (GRANT vigil_analyst TO alice;)."
        })
final class AnalystRoleCommand implements Callable<Integer> {

    @Option(names = "--postgres", required = true, paramLabel = "URL",
            description = OptionText.OWNER_POSTGRES_URL)
    String postgres;

    @Option(names = "--role", paramLabel = "NAME", defaultValue = "vigil_analyst",
            description = "The role's name (default: ${DEFAULT-VALUE}).")
    String role;

    @Option(names = "--password-file", paramLabel = "FILE",
            description = "Let the role log in with the password on the first line of FILE.")
    Path passwordFile;

    @Override
    public Integer call() throws Exception {
        String password = passwordFile == null ? null : JobOptions.readSecretFile(passwordFile, "--password-file");
        AnalystRole.Result r = AnalystRole.grant(postgres, role, password);
        System.out.printf("role %s can read every table, view and function of %s.%s and write nothing "
                        + "(%s; can log in: %s; sessions read-only: %s)%n", r.role(), r.database(), r.schema(),
                r.created() ? "created" : "already there", r.canLogIn() ? "yes" : "no",
                r.readOnlySessions() ? "yes" : "not set, the grants alone allow no writes");
        if (!r.canLogIn()) {
            System.out.printf("give it to people's own roles: GRANT %s TO alice;%n", r.role());
        }
        return 0;
    }
}
