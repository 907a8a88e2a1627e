use mailsift_plugin_sdk::prelude::*; struct T; impl Plugin for T { fn info() -> PluginInfo { plugin_info!() } fn filter(_m: &Message) -> Verdict { Verdict::continue_with() } } export_plugin!(T);
