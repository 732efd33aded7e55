import ArgumentParser

@main
struct Baton: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baton",
        abstract: "Baton: a multi-agency safeguarding hub. No referral vanishes without feedback.",
        discussion: """
            Operators run the hub with 'baton serve' (or try it with 'baton demo') and check their
            configuration with 'baton agencies check' and 'baton policy check', and re-estimate the
            identity model from the hub's own records with 'baton identity estimate'.
            Agency integrators use 'baton keys generate', 'baton sign', 'baton submit', 'baton token'
            and 'baton status'; docs/integrating.md walks through them.
            """,
        subcommands: [
            ServeCommand.self, DemoCommand.self, KeysCommand.self, SignCommand.self, SubmitCommand.self,
            TokenCommand.self, StatusCommand.self, AgenciesCommand.self, PolicyCommand.self, IdentityCommand.self, AuditCommand.self, UsersCommand.self,
        ])
}
