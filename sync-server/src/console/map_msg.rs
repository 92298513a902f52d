//! The console's texts for the map (地图), Chinese and English side by side.
//! Domain labels (kinds, statuses, severities) come from the core.

use gridfield_core::i18n::Lang;

#[derive(Debug, Clone, PartialEq)]
pub enum MapMsg {
    NavMap,
    Title,
    Layers,
    GridBoundaries,
    OpenHazards,
    OpenCases,
    Inspections,
    Reports,
    Legend,
    NoBoundaries,
    Capped,
    OpenFullMap,
    GridOfAddress,
    Loading,
    LoadFailed,
}

impl MapMsg {
    pub fn text(&self, lang: Lang) -> String {
        use MapMsg::*;
        let (zh, en) = match self {
            NavMap => ("地图", "Map"),
            Title => ("网格地图", "Grid map"),
            Layers => ("图层", "Layers"),
            GridBoundaries => ("网格边界", "Grid boundaries"),
            OpenHazards => ("未销号隐患", "Open hazards"),
            OpenCases => ("未结事件", "Open cases"),
            Inspections => ("检查记录", "Inspections"),
            Reports => ("上报", "Reports"),
            Legend => ("图例", "Legend"),
            NoBoundaries => (
                "尚未导入网格边界：管理员导入后地图将显示网格范围",
                "no grid boundaries yet: the map shows grids once an administrator imports them",
            ),
            Capped => (
                "记录较多，仅显示最新的一部分；请用时间或网格筛选",
                "many records: only the newest are shown; narrow by date or grid",
            ),
            OpenFullMap => ("打开地图", "Open the map"),
            GridOfAddress => ("所在网格", "Grid of this address"),
            Loading => ("地图加载中", "Loading the map"),
            LoadFailed => (
                "地图数据加载失败，请刷新页面",
                "the map data did not load: reload the page",
            ),
        };
        lang.pick(zh, en).to_string()
    }

    /// Every message once, for the catalog test.
    pub fn samples() -> Vec<MapMsg> {
        use MapMsg::*;
        vec![
            NavMap,
            Title,
            Layers,
            GridBoundaries,
            OpenHazards,
            OpenCases,
            Inspections,
            Reports,
            Legend,
            NoBoundaries,
            Capped,
            OpenFullMap,
            GridOfAddress,
            Loading,
            LoadFailed,
        ]
    }
}
