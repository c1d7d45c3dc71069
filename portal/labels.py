"""Every label the pages show for a stored key: levels, statuses, topics, sorts, types.

One module, so the same key reads the same everywhere (page, search facet, export). Each
table is also a template global under its lower-case name (`agency_levels[agency.level]`).
"""

from flask_babel import lazy_gettext as _l

from portal.models import OVERDUE, Level, Topic

# A yes-or-no value, as a download's CSV says it
YES_NO = {True: _l("Yes"), False: _l("No")}

# Staff accounts
USER_ROLES = {
    "admin": _l("administrator"),
    "editor": _l("editor"),
    "officer": _l("agency officer"),
}

# Who published a version (staff names are not public, their role is)
ROLE_PUBLISHERS = {
    "admin": _l("published by an administrator"),
    "editor": _l("published by an editor"),
    "officer": _l("published by an agency officer"),
    "import": _l("published by an import from the source"),
}

# The editorial workflow, for every content type
CONTENT_STATUSES = {
    "draft": _l("draft"),
    "in_review": _l("in review"),
    "published": _l("published"),
    "scheduled": _l("scheduled"),
    "withdrawn": _l("withdrawn"),
}
# What the staff dashboard lists, by content type
DASHBOARD_KINDS = {
    "announcement": _l("Announcement"),
    "inspection": _l("Inspection"),
    "procedure_local": _l("Procedure (the province's part)"),
    "hotline": _l("Hotline"),
    "agency": _l("Agency page"),
}
TRANSLATION_STATUSES = {
    "missing": _l("missing"),
    "up_to_date": _l("up to date"),
    "outdated": _l("outdated"),
}
VERSION_FIELDS = {
    "title_vi": _l("Title (Vietnamese)"),
    "title_en": _l("Title (English)"),
    "summary_vi": _l("Summary (Vietnamese)"),
    "summary_en": _l("Summary (English)"),
    "body_vi": _l("Text (Vietnamese)"),
    "body_en": _l("Text (English)"),
    # an agency's contacts and its hotlines
    "name_en": _l("Name (English)"),
    "address": _l("Address"),
    "phone": _l("Phone"),
    "email": _l("Email"),
    "website": _l("Website"),
    "working_hours_vi": _l("Working hours (Vietnamese)"),
    "working_hours_en": _l("Working hours (English)"),
    "channels": _l("Reached by"),
    "purpose_vi": _l("What it is for (Vietnamese)"),
    "purpose_en": _l("What it is for (English)"),
    "hours_vi": _l("When it answers (Vietnamese)"),
    "hours_en": _l("When it answers (English)"),
    "conclusion_number": _l("Conclusion number"),
    "conclusion_signed_on": _l("Date the conclusion was signed"),
    "conclusion_text_vi": _l("Conclusion (Vietnamese)"),
    "conclusion_text_en": _l("Conclusion (English)"),
    "findings_vi": _l("Units and findings (Vietnamese)"),
    "findings_en": _l("Units and findings (English)"),
}

# Attached files, by the type their bytes are (portal/attachments.py)
FILE_TYPES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}

# Feedback and petitions
SENDER_TYPES = {
    "citizen": _l("a citizen"),
    "business": _l("a business"),
    "organisation": _l("an organisation"),
}
FEEDBACK_CHANNELS = {
    "portal": _l("this portal"),
    "hotline": _l("the hotline"),
    "email": _l("e-mail"),
    "post": _l("post"),
    "press": _l("the press"),
    "referral": _l("referred by the Government Office or a ministry"),
    "dialogue": _l("a dialogue meeting"),
}
STAFF_FEEDBACK_STATES = {
    "new": _l("New, to accept or reject"),
    "open": _l("Not answered yet"),
    "withdrawn": _l("Withdrawn by the sender"),
    "all": _l("All"),
}
FEEDBACK_MEASURES = {
    "received": _l("Received"),
    "rejected": _l("Not in scope"),
    "answered": _l("Answered"),
    "on_time": _l("Answered within the target"),
    "published": _l("Answer published"),
    "in_progress": _l(
        "Not answered yet"
    ),  # a finding's "In progress" reads otherwise in Vietnamese
    "overdue": _l("In progress, past the target"),
    "withdrawn": _l("Withdrawn by the sender"),
}
REDACTION_GROUNDS = {
    "personal_data": _l("personal data (Decree 13/2023/NĐ-CP)"),
    "state_secret": _l("state secrets"),
    "business_secret": _l("business secrets"),
}
# The published answers' orders (portal/feedback/queries.py SORTS), by the day published.
FEEDBACK_SORTS = {"newest": _l("Newest first"), "oldest": _l("Oldest first")}
# A published answer came within the province's target or after it (queries.ANSWER_DAYS).
FEEDBACK_TIMELINESS = {"on_time": _l("Within the target"), "late": _l("Later than the target")}
FEEDBACK_STATUSES = {
    "received": _l("Received"),
    "accepted": _l("Accepted"),
    "rejected": _l("Not in scope"),
    "assigned": _l("With the agency responsible"),
    "answered": _l("Answered"),
    "published": _l("Answer published"),
    "withdrawn": _l("Withdrawn by the sender"),
}

# Agencies and hotlines
AGENCY_LEVELS = {
    Level.MINISTRY: _l("Central level"),
    Level.PROVINCE: _l("Province level"),
    Level.DISTRICT: _l("District level (until 1 July 2025)"),
    Level.COMMUNE: _l("Commune level"),
}
HOTLINE_CHANNELS = {
    "phone": _l("Phone"),
    "zalo": _l("Zalo"),
    "sms": _l("SMS"),
    "email": _l("Email"),
}

# Procedures
# The national records' time units, keyed as the summary reads them (lower case).
TIME_UNITS = {
    "ngày làm việc": _l("working days"),
    "ngày": _l("days"),
    "giờ": _l("hours"),
    "tháng": _l("months"),
    "năm": _l("years"),
}
TIME_UNITS_ONE = {
    "ngày làm việc": _l("working day"),
    "ngày": _l("day"),
    "giờ": _l("hour"),
    "tháng": _l("month"),
    "năm": _l("year"),
}
PROCEDURE_LEVELS = {
    "ministry": _l("Ministry level"),
    "province": _l("Province level"),
    "district": _l("District level (until 1 July 2025)"),
    "commune": _l("Commune level"),
    "other": _l("Other bodies"),
}
APPLICANTS = {
    "citizen": _l("Citizens"),
    "business": _l("Businesses"),
    "organisation": _l("Organisations"),
}
# "Đối tượng thực hiện" as the national database words it: a closed list (keys are its words).
APPLICANT_TYPES = {
    "Công dân Việt Nam": _l("Vietnamese citizens"),
    "Người Việt Nam định cư ở nước ngoài": _l("Vietnamese residing abroad"),
    "Người nước ngoài": _l("Foreigners"),
    "Người nước ngoài cư trú tại Việt Nam": _l("Foreigners residing in Vietnam"),
    "Cán bộ, công chức, viên chức": _l("Officials, civil servants and public employees"),
    "Doanh nghiệp": _l("Businesses"),
    "Doanh nghiệp Việt Nam": _l("Vietnamese businesses"),
    "Doanh nghiệp có vốn đầu tư nước ngoài": _l("Foreign-invested businesses"),
    "Hợp tác xã": _l("Cooperatives"),
    "Tổ chức (không bao gồm doanh nghiệp, HTX)": _l(
        "Organisations (other than businesses and cooperatives)"
    ),
    "Tổ chức nước ngoài": _l("Foreign organisations"),
    "Đảng viên": _l("Party members"),
    "Tổ chức Đảng": _l("Party organisations"),
}
# Words a channel's time cell may hold instead of a time (keys casefolded).
TIME_TEXTS = {"không quy định": _l("No time limit set")}
# What the national record shows is whether one can submit online, not whether the result
# comes back online too: "partial" says no more than that; "full" is for an admin to set.
ONLINE_LEVELS = {
    "none": _l("No online channel listed"),
    "partial": _l("Can be submitted online"),
    "full": _l("Fully online"),
}
VALIDITY = {
    "in_force": _l("In force"),
    "amended": _l("Amended"),
    "abolished": _l("Abolished"),
}
PROCEDURE_CHANNELS = {"in_person": _l("In person"), "online": _l("Online"), "post": _l("By post")}
DECISION_ACTIONS = {
    "announced": _l("Announced"),
    "amended": _l("Amended"),
    "abolished": _l("Abolished"),
}
REVISION_KINDS = {
    "created": _l("Published on the portal"),
    "updated": _l("Updated"),
    "reread": _l("Re-read: the national record is unchanged, the portal reads it better"),
    "abolished": _l("Abolished"),
    "local": _l("The province's part changed"),
}
# The staff's list of procedures, by what the province added (ProcedureLocal)
LOCAL_FILTERS = {
    "none": _l("nothing added yet"),
    "draft": _l("draft"),
    "in_review": _l("in review"),
    "published": _l("published"),
    "no_english": _l("no English name"),
}
# The parts a procedure must publish (Decree 63/2010, Art. 8), and a revision's fields.
COMPLETENESS_PARTS = {
    "name": _l("name"),
    "steps": _l("steps"),
    "channels": _l("ways to apply"),
    "documents": _l("documents"),
    "processing_time": _l("processing time"),
    "applicant_types": _l("who applies"),
    "agency": _l("implementing agency"),
    "result": _l("result"),
    "fee": _l("fee"),
    "legal_bases": _l("legal basis"),
}
REVISION_FIELDS = {
    **COMPLETENESS_PARTS,
    "name_vi": _l("name"),
    "sector": _l("field"),
    "procedure_type": _l("procedure type"),
    "levels": _l("level"),
    "legal_bases": _l("legal basis"),
    "processing_days": _l("processing time"),
    "fee_summary": _l("fee"),
    "conditions_vi": _l("conditions"),
    "submission_address": _l("where to submit"),
    "agency_names": _l("agencies"),
    "online_level": _l("online service"),
    "source_url": _l("source"),
    "validity": _l("status"),
    "abolished_on": _l("abolished on"),
    "replaced_by_code": _l("replaced by"),
    "results": _l("result"),
    "related_names": _l("related procedures"),
    "name_en": _l("English name"),
    "conditions_en": _l("conditions in English"),
    "note_vi": _l("local note"),
    "note_en": _l("local note in English"),
    "local_agency": _l("processed here by"),
    "local_hotline": _l("number to call"),
}
# "Loại thủ tục" as the national database words it (keys are its words, casefolded).
PROCEDURE_TYPES = {
    "tthc được giao luật quy định chi tiết": _l("Detailed by a regulation the law calls for"),
    "tthc không được luật giao cho địa phương quy định": _l(
        "Not delegated by law to local regulation"
    ),
    "loại khác": _l("Other"),
}
PROCEDURE_SORTS = {
    "relevance": _l("Relevance"),
    "name": _l("Name"),
    "code": _l("Code"),
    "time": _l("Shortest processing time"),
    "updated": _l("Recently updated"),
}

# Inspections and findings
TOPICS = {
    Topic.DIRECTION: _l("Direction and management"),
    Topic.INSTITUTIONS: _l("Institutional reform"),
    Topic.PROCEDURES: _l("Procedure control and publicity"),
    Topic.ONE_STOP: _l("One-stop shop"),
    Topic.ORGANISATION: _l("Organisational structure"),
    Topic.CIVIL_SERVICE: _l("Civil-service discipline and staff"),
    Topic.PUBLIC_FINANCE: _l("Public finance"),
    Topic.E_GOVERNMENT: _l("IT and e-government"),
    Topic.COMMUNICATION: _l("Communication"),
}
FINDING_STATUSES = {
    "open": _l("Open"),
    "in_progress": _l("In progress"),
    "partly_done": _l("Partly done"),
    "done": _l("Done"),
    OVERDUE: _l("Overdue"),
}
# Which findings the staff's follow-up page lists
STAFF_FINDING_STATES = {
    "open": _l("Not done yet"),
    OVERDUE: _l("Overdue"),
    "all": _l("All"),
}
OUTCOMES = {
    "on_time": _l("Fixed on time"),
    "late": _l("Fixed late"),
    "open": _l("Still open"),
}
INSPECTION_FACETS = {
    "year": _l("Year"),
    "plan": _l("Inspection plan"),
    "unit": _l("Inspected unit"),
    "level": _l("Level"),
    "topic": _l("Topic"),
    "status": _l("Finding status"),
}
# The inspection list's and the findings table's orders (each page offers its own).
INSPECTION_SORTS = {
    "relevance": _l("Relevance"),
    "newest": _l("Newest first"),
    "oldest": _l("Oldest first"),
    "title": _l("Title"),
    "deadline": _l("Earliest deadline"),
    "unit": _l("Inspected unit"),
}

# Site search
CONTENT_TYPES = {
    "procedure": _l("Procedures"),
    "announcement": _l("Announcements"),
    "agency": _l("Agencies"),
    "hotline": _l("Hotlines"),
    "inspection": _l("Inspections"),
    "finding": _l("Findings"),
    "feedback": _l("Feedback answers"),
}
SEARCH_STATUSES = {
    **VALIDITY,
    "published": _l("Published"),
    "withdrawn": _l("Withdrawn"),
    **FINDING_STATUSES,
}


def init_app(app):
    app.jinja_env.globals.update(
        {name.lower(): table for name, table in globals().items() if name.isupper()}
    )
    app.jinja_env.globals["channel_names"] = lambda keys: ", ".join(
        str(HOTLINE_CHANNELS[key]) for key in keys
    )
