// Where the Rust core's blocking calls run on Android: the IO dispatcher, so no FFI
// call ever lands on the main thread.
package cn.gridfield.app

import cn.gridfield.data.Background
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext

object IoBackground : Background {
    override suspend fun <T> io(block: () -> T): T = withContext(Dispatchers.IO) { block() }
}
