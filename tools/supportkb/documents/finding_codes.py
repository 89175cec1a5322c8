"""Every code `kb check` can report, with its severity, what it means and how to fix it.

The codes are a stable interface (CI annotations, JSON output, editors' problem matchers), so
each one is documented once, here; the authors' reference in the site is rendered from this
table (`supportkb.site.reference`), and `tests/test_docs.py` fails when the code emits a code
this table does not explain. Meanings and fixes are in English and Traditional Chinese, as the
contributing guide is.
"""

from __future__ import annotations

from dataclasses import dataclass

from supportkb.documents.findings import Severity
from supportkb.documents.layout import ARTICLES_DIR


@dataclass(frozen=True)
class FindingCode:
    """One finding code: `meaning` says what was found, `fix` what the author does about it."""

    code: str
    severity: Severity
    meaning: str
    fix: str
    meaning_zh: str
    fix_zh: str


_E, _W = Severity.ERROR, Severity.WARNING

_CODES: tuple[FindingCode, ...] = (
    # the file itself: never read, or not readable as text
    FindingCode(
        "file-too-large",
        _E,
        "The file is larger than 1 MB; it is not read, so nothing else in it is checked.",
        "Split the document, or move attachments and logs out of the Markdown file.",
        "檔案超過 1 MB，不會被讀取，其他內容也不會被檢查。",
        "拆成幾份文件，或把附件與記錄檔移出 Markdown 檔案。",
    ),
    FindingCode(
        "not-regular-file",
        _E,
        "A FIFO, device or socket is named like a document (`*.md`); it is never opened.",
        "Remove it, or replace it with a regular file.",
        "以文件名稱 (`*.md`) 命名的 FIFO、裝置或 socket；永遠不會被開啟。",
        "刪除它，或換成一般檔案。",
    ),
    FindingCode(
        "file-outside-checkout",
        _E,
        "A symbolic link leads out of the checkout; it is never read nor published.",
        "Copy the file into the knowledge base, or remove the link.",
        "符號連結指向 checkout 以外；永遠不會被讀取或發布。",
        "把檔案複製到知識庫中，或刪除該連結。",
    ),
    FindingCode(
        "file-name-encoding",
        _E,
        "A file or folder name is not UTF-8; it is left out (no link or page could name it).",
        "Rename it with a UTF-8 name.",
        "檔案或資料夾名稱不是 UTF-8；已略過（沒有連結或頁面能指到它）。",
        "以 UTF-8 名稱重新命名。",
    ),
    FindingCode(
        "unreadable",
        _E,
        "The file could not be read (the operating system refused, e.g. permissions).",
        "Check the file's permissions.",
        "無法讀取檔案（作業系統拒絕，例如權限不足）。",
        "檢查檔案權限。",
    ),
    FindingCode(
        "encoding",
        _E,
        "The file is not valid UTF-8 (the line of the first bad byte is given).",
        "Save the file as UTF-8 (a BOM and CRLF line ends are accepted).",
        "檔案不是有效的 UTF-8（會指出第一個錯誤位元組所在的行）。",
        "以 UTF-8 編碼儲存檔案（BOM 與 CRLF 換行都可以）。",
    ),
    FindingCode(
        "secret",
        _E,
        "A line looks like it holds a password, private key or access token.",
        "Remove it and have the credential replaced (revoked); a document says where a "
        "credential is kept, never the credential.",
        "某一行看起來含有密碼、私密金鑰或存取權杖。",
        "刪除該內容並請負責人更換（撤銷）該憑證；文件只寫憑證存放在哪裡，不寫憑證本身。",
    ),
    # the front-matter block and its YAML
    FindingCode(
        "front-matter-missing",
        _E,
        "The file does not start with a front-matter block between two `---` lines.",
        "Put the YAML block (id, title, owner, ...) between two `---` lines at the very top.",
        "檔案開頭沒有以兩行 `---` 包住的前置資料。",
        "在檔案最上方加上以 `---` 包住的 YAML 前置資料（id、title、owner 等）。",
    ),
    FindingCode(
        "front-matter-unclosed",
        _E,
        "The front-matter opened on line 1 is never closed.",
        "Add a `---` line after the last front-matter field.",
        "第 1 行開始的前置資料沒有結束。",
        "在最後一個欄位之後加上一行 `---`。",
    ),
    FindingCode(
        "front-matter-empty",
        _E,
        "The front-matter block has nothing in it.",
        "Add at least id, title, status and owner.",
        "前置資料是空的。",
        "至少填入 id、title、status 與 owner。",
    ),
    FindingCode(
        "front-matter-not-mapping",
        _E,
        "The front-matter is a list or a single value, not a set of `key: value` fields.",
        "Write one `key: value` per line.",
        "前置資料是清單或單一值，而不是 `key: value` 欄位。",
        "每行寫一個 `key: value`。",
    ),
    FindingCode(
        "front-matter-duplicate-key",
        _E,
        "A field is written twice; YAML would silently keep the last one.",
        "Keep one of them.",
        "同一個欄位寫了兩次；YAML 會默默採用最後一個。",
        "只保留其中一個。",
    ),
    FindingCode(
        "front-matter-alias",
        _E,
        "The front-matter uses YAML anchors (`&`) and aliases (`*`), which are refused.",
        "Write each value out in full.",
        "前置資料使用了 YAML 錨點 (`&`) 與別名 (`*`)，這是不允許的。",
        "每個值都完整寫出。",
    ),
    FindingCode(
        "front-matter-nesting",
        _E,
        "Values are nested more than 16 levels deep.",
        "Flatten the front-matter to plain fields, lists and small mappings.",
        "欄位值巢狀超過 16 層。",
        "改成一般欄位、清單與簡單的對應。",
    ),
    FindingCode(
        "front-matter-too-large",
        _E,
        "The front-matter is larger than 64 KB.",
        "Keep long text in the body of the document.",
        "前置資料超過 64 KB。",
        "長的內容請寫在文件內文中。",
    ),
    FindingCode(
        "yaml-syntax",
        _E,
        "The front-matter is not valid YAML, holds a control character, or uses a tag "
        "such as `!!binary` or `!!python/...`.",
        "Fix the YAML at the line given: indentation, a space after each colon, quotes "
        "around values that contain `:` or start with `@`, `*`, `&`, `[` or `{`.",
        "前置資料不是有效的 YAML、含有控制字元，或使用了 `!!binary`、`!!python/...` 等標記。",
        "依行號修正 YAML：縮排、冒號後加空格、含 `:` 或以 `@`、`*`、`&`、`[`、`{` 開頭的值加引號。",
    ),
    FindingCode(
        "yaml-value",
        _E,
        "A value does not fit the YAML tag written before it, such as `!!bool abc`.",
        "Remove the tag, or write a value of that type.",
        "值與前面寫的 YAML 標記不符，例如 `!!bool abc`。",
        "刪除標記，或寫成該型別的值。",
    ),
    # the fields
    FindingCode(
        "field-missing",
        _E,
        "A required field is missing (e.g. `title`; `last_reviewed` unless a draft; "
        "`approved_by` of a published SOP or policy; `effective` of a published policy).",
        "Add the field; the hint gives an example value.",
        "缺少必填欄位（例如 `title`；草稿以外的 `last_reviewed`；已發布 SOP 與管理辦法的 "
        "`approved_by`；已發布管理辦法的 `effective`）。",
        "補上該欄位；提示中有範例值。",
    ),
    FindingCode(
        "field-type",
        _E,
        "A value has the wrong form: a date not `YYYY-MM-DD`, a value not in the list, an "
        "interval not like `6m`, an unquoted version, a bad version range.",
        "Follow the hint: dates `2026-05-01`, one of the listed values, intervals `90d`, "
        '`2w`, `6m`, `1y`, versions quoted (`"1.10"`).',
        "欄位值格式錯誤：日期不是 `YYYY-MM-DD`、值不在允許清單中、週期不是 `6m` 這類寫法、"
        "版本沒加引號、版本範圍錯誤。",
        "依提示修正：日期寫成 `2026-05-01`、使用列出的值、週期寫 `90d`、`2w`、`6m`、`1y`、"
        '版本加引號 (`"1.10"`)。',
    ),
    FindingCode(
        "field-unknown",
        _E,
        "A field that is not in the field table (often a typo, such as `tag:`).",
        "Rename it as the hint suggests (`tags:`), or remove it.",
        "欄位表中沒有這個欄位（通常是打錯字，例如 `tag:`）。",
        "依提示改名（`tags:`），或刪除。",
    ),
    FindingCode(
        "field-not-allowed",
        _E,
        "The field does not apply to this type of document (e.g. `version` on an article).",
        "Remove the field.",
        "此類型的文件不適用這個欄位（例如文章的 `version`）。",
        "刪除該欄位。",
    ),
    FindingCode(
        "type-mismatch",
        _E,
        "`type` disagrees with the folder, which decides the type.",
        "Remove `type` or write the folder's type, or move the file to the right folder.",
        "`type` 與所在目錄不符；文件類型由目錄決定。",
        "刪除 `type` 或改成目錄的類型，或把檔案移到正確的目錄。",
    ),
    FindingCode(
        "category-mismatch",
        _E,
        f"An article's `category` differs from its folder under `{ARTICLES_DIR}/`.",
        "Remove `category` (the folder is the category), or move the file.",
        f"文章的 `category` 與它在 `{ARTICLES_DIR}/` 下的目錄不符。",
        "刪除 `category`（目錄就是類別），或搬移檔案。",
    ),
    FindingCode(
        "id-prefix",
        _E,
        "The id is not the type's prefix then ASCII digits (`KB-`, `SOP-`, `EP-`, `POL-`).",
        "Write the id with the prefix of the folder's type, e.g. `KB-0042`.",
        "編號不是該類型的前綴加數字（`KB-`、`SOP-`、`EP-`、`POL-`）。",
        "改用目錄類型的前綴，例如 `KB-0042`。",
    ),
    FindingCode(
        "id-digits",
        _E,
        "The id is written with digits other than 0-9 (e.g. full-width `KB-００４２`).",
        "Write it with ASCII digits, as the hint shows.",
        "編號使用了 0-9 以外的數字（例如全形的 `KB-００４２`）。",
        "依提示改成半形數字。",
    ),
    FindingCode(
        "id-duplicate",
        _E,
        "Two documents use the same id (both files are reported).",
        "Ids are stable: keep the older document's id, give the newer one the next free id.",
        "兩份文件使用同一個編號（兩個檔案都會報告）。",
        "編號不可變更：保留較早文件的編號，把新文件改成下一個可用的編號。",
    ),
    FindingCode(
        "date-in-future",
        _E,
        "`last_reviewed`, `approved_on` or a drill's date is after the day of the check; a "
        "review date would push the next due date out.",
        "Write the date the review, approval or drill actually took place.",
        "`last_reviewed`、`approved_on` 或演練日期晚於檢查當天；複審日期會讓下次到期日往後延。",
        "填入實際複審、核准或演練的日期。",
    ),
    FindingCode(
        "effective-before-approval",
        _E,
        "`effective` is before `approved_on`: the version would have been in force before "
        "anyone approved it.",
        "Write the day the version takes effect, on or after its approval (`kb approve "
        "--effective`).",
        "`effective` 早於 `approved_on`：表示這個版本在核准之前就已生效。",
        "改寫為核准當天或之後的生效日（`kb approve --effective`）。",
    ),
    # people
    FindingCode(
        "owner-unknown",
        _E,
        "`owner` is neither a person nor a team in `owners.yml` (usually a typo).",
        "Use the id the hint suggests, or add the person or team to `owners.yml`.",
        "`owner` 不是 `owners.yml` 中的人員或組別（通常是打錯字）。",
        "依提示改成正確的 id，或先在 `owners.yml` 新增人員或組別。",
    ),
    FindingCode(
        "owner-inactive",
        _E,
        "The owner is an inactive person, or a team without an active member.",
        "Hand the document to an active person or team (change `owner:`), then run "
        "`kb codeowners`.",
        "負責人已停用，或是沒有在職成員的組別。",
        "移交給在職的人員或組別（改 `owner:`），再執行 `kb codeowners`。",
    ),
    FindingCode(
        "reviewer-unknown",
        _E,
        "An entry of `reviewers` is not a person in `owners.yml` (teams do not count).",
        "Use a person id.",
        "`reviewers` 中有不是 `owners.yml` 人員的項目（組別不算）。",
        "改成人員 id。",
    ),
    FindingCode(
        "approver-unknown",
        _E,
        "`approved_by` is not a person in `owners.yml` (teams do not count).",
        "Use the id of the person who approved this version.",
        "`approved_by` 不是 `owners.yml` 中的人員（組別不算）。",
        "改成核准此版本的人員 id。",
    ),
    FindingCode(
        "registry",
        _E,
        "`owners.yml` is malformed: a section that is not a list, an entry without an id, "
        "an unknown key, an id defined twice, a team member who is not a person.",
        "Fix `owners.yml` at the line given.",
        "`owners.yml` 格式錯誤：區段不是清單、項目沒有 id、未知的鍵、重複的 id、組別成員不是人員。",
        "依行號修正 `owners.yml`。",
    ),
    FindingCode(
        "contact-invalid",
        _E,
        "An e-mail in `owners.yml` is not one plain address, or a chat is neither `@handle` "
        "nor an http(s) link; the site shows it as text, never as a link.",
        "Write one plain address (`name@example.com`), and `@handle` or an https:// link.",
        "`owners.yml` 中的 e-mail 不是單一地址，或 chat 不是 `@帳號` 或 http(s) 連結；"
        "網站只顯示文字，不會做成連結。",
        "寫成單一地址（`name@example.com`），chat 寫 `@帳號` 或 https:// 連結。",
    ),
    FindingCode(
        "team-no-active-member",
        _E,
        "A team in `owners.yml` has no active member.",
        "Add an active person to its `members`, or hand the team's documents over.",
        "`owners.yml` 中的組別沒有在職成員。",
        "在 `members` 加入在職人員，或移交該組別的文件。",
    ),
    FindingCode(
        "codeowners-drift",
        _E,
        "`.github/CODEOWNERS` no longer matches the documents' owners (full check only).",
        "Run `kb codeowners` and commit the result.",
        "`.github/CODEOWNERS` 與文件的負責人不一致（只有完整的 `kb check` 會報告）。",
        "執行 `kb codeowners` 並提交結果。",
    ),
    # dates
    FindingCode(
        "review-overdue",
        _E,
        "The review due date (`last_reviewed` + `review_every`, or `review_by`) has passed.",
        "Review the content, fix it if needed, then run `kb review ID --by PERSON`.",
        "已超過複審到期日（`last_reviewed` 加 `review_every`，或 `review_by`）。",
        "確認內容，需要時先修正，再執行 `kb review ID --by 人員`。",
    ),
    FindingCode(
        "review-due-soon",
        _W,
        "The review is due within `due_soon_days` (30 by default).",
        "Review it early with `kb review`; fails the check only with `--strict`.",
        "複審將在 `due_soon_days`（預設 30 天）內到期。",
        "提早以 `kb review` 複審；只有 `--strict` 時會讓檢查失敗。",
    ),
    FindingCode(
        "drill-overdue",
        _E,
        "An emergency plan's drill is overdue (last drill + `drill_every`).",
        "Hold the drill, then add it under `drills:` with its date, scenario and report.",
        "應變計畫超過演練期限（最近一次演練加 `drill_every`）。",
        "執行演練，在 `drills:` 加一筆日期、情境與報告。",
    ),
    FindingCode(
        "drill-due-soon",
        _W,
        "An emergency plan's drill is due within `due_soon_days`.",
        "Plan the drill; fails the check only with `--strict`.",
        "應變計畫的演練將在 `due_soon_days` 內到期。",
        "安排演練；只有 `--strict` 時會讓檢查失敗。",
    ),
    FindingCode(
        "drill-report-missing",
        _E,
        "The `report` of a drill is a path to a file that does not exist.",
        "Add the report, or fix the path (relative to the plan's file).",
        "`drills` 中 `report` 指向的檔案不存在。",
        "補上報告，或修正相對於計畫檔案的路徑。",
    ),
    # products
    FindingCode(
        "product-unknown",
        _E,
        "A product of `applies_to` is not listed under `products` in `mkdocs.yml`.",
        "Use the name the hint suggests (same capitals), or add the product and its current "
        "version to `products`.",
        "`applies_to` 的產品不在 `mkdocs.yml` 的 `products` 中。",
        "使用提示的名稱（大小寫須相同），或在 `products` 加入該產品與目前版本。",
    ),
    FindingCode(
        "product-outdated",
        _E,
        "The `versions` range of `applies_to` does not cover the product's current version.",
        "Check the content against the current version, then widen `versions`.",
        "`applies_to` 的 `versions` 範圍沒有涵蓋產品的目前版本。",
        "依目前版本確認內容，再放寬 `versions`。",
    ),
    # links between documents
    FindingCode(
        "reference-missing",
        _E,
        "An id under `related` or `supersedes` belongs to no document.",
        "Use the id the hint suggests, or remove it.",
        "`related` 或 `supersedes` 中的編號不屬於任何文件。",
        "依提示改成正確的編號，或刪除。",
    ),
    FindingCode(
        "link-broken",
        _E,
        "A relative link points to a file that does not exist in the checkout (or leaves it).",
        "Fix the path (relative to the current file's folder), or remove the link.",
        "相對連結指向 checkout 中不存在的檔案（或指到 checkout 以外）。",
        "修正相對於目前檔案目錄的路徑，或刪除連結。",
    ),
    FindingCode(
        "links-archived",
        _E,
        "A published document links to, or lists as related, an archived document.",
        "Link to its successor instead, or remove the link.",
        "已發布的文件連到（或在 related 列出）已封存的文件。",
        "改連到取代它的文件，或刪除連結。",
    ),
    FindingCode(
        "links-deprecated",
        _W,
        "A published document links to, or lists as related, a deprecated document.",
        "Link to the document that supersedes it.",
        "已發布的文件連到（或在 related 列出）已停用的文件。",
        "改連到取代它的文件。",
    ),
    # change control: `kb check --since REF`, for SOPs, emergency plans and policies
    FindingCode(
        "version-not-bumped",
        _E,
        "A controlled document's content changed since REF (the base branch), but its "
        "`version` is REF's (`kb check --since` only; a review or an approval is not a change).",
        "Raise the version: `kb review ID --bump minor` (or `major`) also adds the "
        "revision-history row and leaves the document in-review until `kb approve`.",
        "受控文件的內容自 REF（基準分支）之後有變更，但 `version` 與 REF 相同（只有 "
        "`kb check --since` 會報告；複審或核准不算變更）。",
        "提升版本：`kb review ID --bump minor`（或 `major`）會一併新增修訂紀錄列，並讓文件維持"
        "審查中，直到 `kb approve`。",
    ),
    FindingCode(
        "revision-missing",
        _E,
        "A changed controlled document has no revision-history row for its version with a "
        "date and a description of the change (`kb check --since` only).",
        "Add a row to the revision history (修訂紀錄): version, date (YYYY-MM-DD), what "
        "changed, and 待核准 pending until it is approved.",
        "有變更的受控文件，其修訂紀錄中沒有目前版本（含日期與變更說明）的那一列（只有 "
        "`kb check --since` 會報告）。",
        "在修訂紀錄加一列：版本、日期（YYYY-MM-DD）、變更內容，核准前核准人寫「待核准 pending」。",
    ),
    FindingCode(
        "approval-missing",
        _E,
        "A changed controlled document claims to be published, but has no `approved_by` and "
        "`approved_on`, or was approved before the day of the change (the first commit after "
        "REF that changed it; today if not committed): the approval is the previous "
        "version's; or its text was edited after the approval was recorded (a later commit, "
        "or the working tree) (`kb check --since` only).",
        "Have the new version approved and record it with `kb approve ID --by PERSON` "
        "(`--effective` for a later start); until then write `status: in-review`.",
        "有變更的受控文件標示為已發布，但沒有 `approved_by` 與 `approved_on`，或核准日期早於"
        "變更日（REF 之後第一個變更它的 commit；尚未 commit 則為今天）：那是前一版的核准；"
        "或核准記錄之後內文又被修改（較晚的 commit 或尚未 commit 的修改）"
        "（只有 `kb check --since` 會報告）。",
        "請核准新版本並以 `kb approve ID --by 人員` 記錄（較晚生效可加 `--effective`）；"
        "核准前請寫 `status: in-review`。",
    ),
    # the body
    FindingCode(
        "section-missing",
        _E,
        "A section required for this type (`required_sections` in `mkdocs.yml`) has no heading.",
        "Add a heading the hint names; Traditional, Simplified and English names are accepted.",
        "缺少此類型的必要章節（`mkdocs.yml` 的 `required_sections`）。",
        "依提示加上標題；繁體、簡體與英文名稱都可以。",
    ),
    FindingCode(
        "section-empty",
        _E,
        "A published document's required section holds nothing but the template's placeholders "
        "(HTML comments, list items without text such as `1.` / `2.`, table rows with only their "
        "first cell filled, blank lines). Sub-headings count only by what they hold; drafts are "
        "exempt.",
        "Write the section as the template's comment asks (comments are not shown to readers), "
        "or keep `status: draft` until it is written.",
        "已發布文件的必要章節只有範本的預留內容（HTML 註解、沒有文字的清單項目如 `1.`／`2.`、"
        "只填了第一欄的表格列、空白行）。子標題只看其下的內容；草稿不檢查。",
        "依範本註解的提示寫好該章節（註解不會顯示給讀者），寫好之前請維持 `status: draft`。",
    ),
)

FINDING_CODES: dict[str, FindingCode] = {entry.code: entry for entry in _CODES}
