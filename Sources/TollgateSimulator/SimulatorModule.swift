// The TollgateSimulator module: an OpenAI-compatible model server simulator.
// Its types arrive with the traffic issue; this file only anchors the module.
import TollgateCore
