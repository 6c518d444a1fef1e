// The TollgateTraffic module: model API clients, SSE parsing, error classification and replay.
// Its types arrive with the traffic issue; this file only anchors the module.
import TollgateCore
