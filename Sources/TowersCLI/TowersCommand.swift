import ArgumentParser
import Foundation
import Towers

@main
struct TowersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "towers",
        abstract: "Siamese networks with shared weights, trained on the embedded digits data.",
        version: TowersVersion.string,
        subcommands: [TrainCommand.self, EvalCommand.self, InspectCommand.self, BLASCommand.self],
        defaultSubcommand: TrainCommand.self)
}
