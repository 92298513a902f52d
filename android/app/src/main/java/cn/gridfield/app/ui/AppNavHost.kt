// The screens and how they connect. Routes carry only ids and codes; each screen's
// view model loads what it needs from the store.
package cn.gridfield.app.ui

import android.net.Uri
import androidx.compose.runtime.Composable
import androidx.navigation.NavHostController
import androidx.navigation.NavType
import androidx.navigation.compose.NavHost
import androidx.navigation.compose.composable
import androidx.navigation.compose.rememberNavController
import androidx.navigation.navArgument
import cn.gridfield.app.Session
import cn.gridfield.app.ui.address.AddressScreen
import cn.gridfield.app.ui.cases.CaseDetailScreen
import cn.gridfield.app.ui.cases.CasesScreen
import cn.gridfield.app.ui.checklist.ChecklistScreen
import cn.gridfield.app.ui.grid.MyGridScreen
import cn.gridfield.app.ui.hazard.HazardDetailScreen
import cn.gridfield.app.ui.hazard.HazardListScreen
import cn.gridfield.app.ui.home.HomeScreen
import cn.gridfield.app.ui.inspections.InspectionsScreen
import cn.gridfield.app.ui.report.PointsScreen
import cn.gridfield.app.ui.report.ReportScreen
import cn.gridfield.app.ui.scan.ScanPurpose
import cn.gridfield.app.ui.scan.ScanScreen
import cn.gridfield.app.ui.sync.BatteryGuideScreen
import cn.gridfield.app.ui.sync.SyncScreen

object Routes {
    const val HOME = "home"
    const val GRID = "grid?pick={pick}"
    const val SCAN = "scan?purpose={purpose}"
    const val ADDRESS = "address/{code}"
    const val CHECKLIST = "checklist?template={template}&address={address}&inspection={inspection}"
    const val INSPECTIONS = "inspections"
    const val HAZARDS = "hazards"
    const val HAZARD = "hazard/{id}"
    const val REPORT = "report?address={address}&text={text}"
    const val POINTS = "points"
    const val SYNC = "sync"
    const val BATTERY = "battery"
    const val CASES = "cases"
    const val CASE = "case/{id}"

    /** My grid; with [pickForReport] a tap starts a report instead of opening the address. */
    fun grid(pickForReport: Boolean = false) = "grid?pick=$pickForReport"
    fun scan(purpose: ScanPurpose) = "scan?purpose=${purpose.name}"
    fun address(code: String) = "address/${Uri.encode(code)}"
    fun newChecklist(templateId: String, addressCode: String) =
        "checklist?template=${Uri.encode(templateId)}&address=${Uri.encode(addressCode)}"
    fun resumeChecklist(inspectionId: String) = "checklist?inspection=${Uri.encode(inspectionId)}"
    fun hazard(id: String) = "hazard/${Uri.encode(id)}"
    fun case(id: String) = "case/${Uri.encode(id)}"

    /** [addressText] is what a plate outside this phone's grid says about itself. */
    fun report(addressCode: String? = null, addressText: String? = null): String {
        val query = listOfNotNull(
            addressCode?.let { "address=${Uri.encode(it)}" },
            addressText?.let { "text=${Uri.encode(it)}" },
        )
        return if (query.isEmpty()) "report" else "report?" + query.joinToString("&")
    }
}

private fun optionalString(name: String) = navArgument(name) {
    type = NavType.StringType
    nullable = true
    defaultValue = null
}

@Composable
fun AppNavHost(session: Session, nav: NavHostController = rememberNavController()) {
    NavHost(navController = nav, startDestination = Routes.HOME) {
        composable(Routes.HOME) {
            HomeScreen(session.identity, navigate = { nav.navigate(it) })
        }
        composable(
            Routes.GRID,
            arguments = listOf(navArgument("pick") { type = NavType.BoolType; defaultValue = false }),
        ) { entry ->
            val pick = entry.arguments?.getBoolean("pick") ?: false
            MyGridScreen(
                onBack = { nav.popBackStack() },
                onOpen = { code -> nav.navigate(if (pick) Routes.report(code) else Routes.address(code)) },
            )
        }
        composable(
            Routes.SCAN,
            arguments = listOf(navArgument("purpose") { type = NavType.StringType; defaultValue = ScanPurpose.VIEW.name }),
        ) { entry ->
            val purpose = ScanPurpose.valueOf(entry.arguments?.getString("purpose") ?: ScanPurpose.VIEW.name)
            ScanScreen(
                purpose = purpose,
                onBack = { nav.popBackStack() },
                onAddress = { code -> nav.navigate(Routes.address(code)) { popUpTo(Routes.SCAN) { inclusive = true } } },
                onReport = { code, text -> nav.navigate(Routes.report(code, text)) { popUpTo(Routes.SCAN) { inclusive = true } } },
            )
        }
        composable(Routes.ADDRESS, arguments = listOf(navArgument("code") { type = NavType.StringType })) { entry ->
            AddressScreen(
                code = entry.arguments?.getString("code").orEmpty(),
                onBack = { nav.popBackStack() },
                navigate = { nav.navigate(it) },
            )
        }
        composable(
            Routes.CHECKLIST,
            arguments = listOf(optionalString("template"), optionalString("address"), optionalString("inspection")),
        ) { entry ->
            val args = entry.arguments
            ChecklistScreen(
                templateId = args?.getString("template"),
                addressCode = args?.getString("address"),
                inspectionId = args?.getString("inspection"),
                onBack = { nav.popBackStack() },
                onHazards = { nav.navigate(Routes.HAZARDS) { popUpTo(Routes.HOME) } },
            )
        }
        composable(Routes.INSPECTIONS) {
            InspectionsScreen(onBack = { nav.popBackStack() }, onOpen = { nav.navigate(Routes.resumeChecklist(it)) })
        }
        composable(Routes.HAZARDS) {
            HazardListScreen(onBack = { nav.popBackStack() }, onOpen = { nav.navigate(Routes.hazard(it)) })
        }
        composable(Routes.HAZARD, arguments = listOf(navArgument("id") { type = NavType.StringType })) { entry ->
            HazardDetailScreen(id = entry.arguments?.getString("id").orEmpty(), onBack = { nav.popBackStack() })
        }
        composable(Routes.REPORT, arguments = listOf(optionalString("address"), optionalString("text"))) { entry ->
            ReportScreen(
                addressCode = entry.arguments?.getString("address"),
                addressText = entry.arguments?.getString("text"),
                onBack = { nav.popBackStack() },
                onScan = { nav.navigate(Routes.scan(ScanPurpose.REPORT)) },
                onPick = { nav.navigate(Routes.grid(pickForReport = true)) },
                onFiled = { nav.navigate(Routes.POINTS) { popUpTo(Routes.HOME) } },
            )
        }
        composable(Routes.POINTS) {
            PointsScreen(onBack = { nav.popBackStack() })
        }
        composable(Routes.SYNC) {
            SyncScreen(onBack = { nav.popBackStack() }, onBatteryGuide = { nav.navigate(Routes.BATTERY) })
        }
        composable(Routes.BATTERY) {
            BatteryGuideScreen(onBack = { nav.popBackStack() })
        }
        composable(Routes.CASES) {
            CasesScreen(onBack = { nav.popBackStack() }, onOpen = { nav.navigate(Routes.case(it)) })
        }
        composable(Routes.CASE, arguments = listOf(navArgument("id") { type = NavType.StringType })) { entry ->
            CaseDetailScreen(id = entry.arguments?.getString("id").orEmpty(), onBack = { nav.popBackStack() })
        }
    }
}
